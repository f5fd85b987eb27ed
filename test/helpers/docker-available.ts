import { createDockerClient, pingDocker } from '../../src/images/docker-client.ts';

/**
 * Whether the Docker tests run. They skip only on a developer machine without an engine;
 * in CI (`CI` set) a missing engine is a failure, never a skip.
 */
export async function dockerForTests(): Promise<{ available: boolean; reason: string }> {
  const ping = await pingDocker(createDockerClient(), 5000);
  if (ping.ok) return { available: true, reason: '' };
  if (process.env.CI) throw new Error(`CI is set but no Docker engine answers: ${ping.message}`);
  return { available: false, reason: ping.message };
}
