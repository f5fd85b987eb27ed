// The Swarm files as shipped, without an engine: both stack files parse, agree on how a replica is
// hardened and checked, and the replicas' serve.yaml is a valid server config.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseServerConfig } from '../../src/server/server-config.ts';
import { repoRoot } from '../helpers/paths.ts';

const folder = join(repoRoot, 'deploy', 'swarm');
const stackFiles = ['stack.yml', 'stack.mesh.yml'];

interface StackService {
  image: string;
  environment: Record<string, string>;
  command: string[];
  volumes: Array<string | { type: string; target: string }>;
  read_only: boolean;
  cap_drop: string[];
  healthcheck: { test: string[] };
  stop_grace_period: string;
  configs: Array<{ source: string; target: string }>;
  networks: string[];
}

function service(file: string): StackService {
  const stack = parse(readFileSync(join(folder, file), 'utf8')) as { services: Record<string, StackService>; configs: Record<string, { file: string }> };
  expect(Object.keys(stack.services)).toEqual(['sandbench']);
  expect(stack.configs.serve?.file).toBe('./serve.yaml');
  return stack.services.sandbench!;
}

describe('deploy/swarm', () => {
  it('hardens and checks every replica the same way in both layouts', () => {
    for (const file of stackFiles) {
      const replica = service(file);
      expect(replica.image, file).toBe('sandbench-server:latest');
      expect(replica.read_only, file).toBe(true);
      expect(replica.cap_drop, file).toEqual(['ALL']);
      expect(replica.volumes, file).toContainEqual({ type: 'tmpfs', target: '/tmp' });
      expect(replica.volumes, file).toContain('/var/run/docker.sock:/var/run/docker.sock');
      expect(replica.healthcheck.test, file).toEqual(['CMD', '/opt/sandbench/bin/sandbench-healthcheck']);
      expect(replica.command, file).toEqual(['/usr/bin/tini', '--', '/opt/sandbench/bin/sandbench', 'serve', '--config', '/etc/sandbench/serve.yaml']);
      expect(replica.configs, file).toEqual([{ source: 'serve', target: '/etc/sandbench/serve.yaml' }]);
      // Tokens are required (the replicas listen off loopback) and never written in the file.
      expect(replica.environment.SANDBENCH_TOKENS, file).toMatch(/^\$\{SANDBENCH_TOKENS:\?/);
      expect(replica.environment.SANDBENCH_HOST, file).toBe('0.0.0.0');
    }
    expect(service('stack.yml').environment.SANDBENCH_PORT).toBe('878{{.Task.Slot}}');
    expect(service('stack.yml').networks).toEqual(['hostnet']);
    expect(service('stack.mesh.yml').environment.SANDBENCH_PORT).toBe('8787');
  });

  it('gives the replicas a valid config whose shutdown grace fits in the stop grace period', () => {
    const config = parseServerConfig(parse(readFileSync(join(folder, 'serve.yaml'), 'utf8')), 'deploy/swarm/serve.yaml');
    expect(config.sandbox.dockerLabels).toEqual({ 'org.sandbench.deployment': 'swarm' });
    expect(config.sandbox.dockerSweepEveryMs).toBeLessThan(config.sandbox.dockerLeaseMs);
    for (const file of stackFiles) {
      const seconds = Number(/^(\d+)s$/.exec(service(file).stop_grace_period)?.[1]);
      expect(seconds * 1000, file).toBeGreaterThan(config.shutdownGraceMs);
    }
  });
});
