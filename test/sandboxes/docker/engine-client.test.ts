import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createDockerEngine, diagnoseEngine, EngineError, SocketEngine } from '../../../src/sandboxes/docker/engine-client.ts';
import { repoRoot } from '../../helpers/paths.ts';
import { dockerTestEnvironment } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();

describe('SocketEngine without an engine', () => {
  it('a missing socket: a connection error, and the diagnosis says how to start an engine', async () => {
    const missing = new SocketEngine('/nonexistent/docker.sock');
    await expect(missing.ping()).rejects.toMatchObject({ code: 'ENOENT' });
    const diagnosis = await diagnoseEngine(missing, 2000);
    expect(diagnosis.ok).toBe(false);
    expect(diagnosis.ok ? '' : diagnosis.message).toMatch(/not reachable at unix:\/\/\/nonexistent\/docker\.sock \(no socket at/);
  });
});

describe.skipIf(!engine.available)('SocketEngine: the engine calls of the Docker sandbox, without dockerode', () => {
  it('answers ping and info, and refuses what does not exist with dockerode-shaped errors', async () => {
    const docker = createDockerEngine();
    expect(docker).toBeInstanceOf(SocketEngine);
    expect(await docker.ping()).toBe('OK');
    expect(await docker.info()).toMatchObject({ ServerVersion: expect.any(String) });
    const error = await docker.getContainer('sandbench-no-such-container').inspect().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({ statusCode: 404, message: expect.stringMatching(/^\(HTTP code 404\) .*no such container/i) });
    await expect(docker.getVolume('sandbench-no-such-volume').remove()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('a whole Docker run in a fresh process never loads dockerode', async () => {
    const script = [
      "import { createRequire } from 'node:module';",
      "const { DockerSandbox } = await import('./src/sandboxes/docker-sandbox.ts');",
      'const sandbox = new DockerSandbox({ poolSize: 1 });',
      "const result = await sandbox.run({ language: 'python', source: 'print(6 * 7)' });",
      'await sandbox.dispose();',
      "const loaded = Object.keys(createRequire(import.meta.url).cache).filter((file) => file.includes('/node_modules/dockerode/'));",
      'console.log(JSON.stringify({ stdout: result.stdout, loaded: loaded.length }));',
    ].join('\n');
    const output = await new Promise<string>((resolve, reject) => {
      execFile(process.execPath, ['--no-node-snapshot', '--input-type=module', '-e', script], { cwd: repoRoot, timeout: 60_000 }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      );
    });
    expect(JSON.parse(output.trim().split('\n').pop()!)).toEqual({ stdout: '42\n', loaded: 0 });
  });
});
