/**
 * Isolate workers started before any pool exists (`prestartIsolateWorkers`, what the CLI's
 * `run --sandbox isolate` does first of all): the next pool takes them instead of starting its own,
 * a pool started another way leaves them, and until a pool takes them they neither keep their
 * host alive nor outlive it.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { IsolateSandbox } from '../../src/sandboxes/isolate-sandbox.ts';
import { prestartIsolateWorkers, stopPrestartedIsolateWorkers } from '../../src/sandboxes/isolate/isolate-pool.ts';
import { recordingLogger } from '../helpers/recording-logger.ts';

const POOL_MODULE = fileURLToPath(new URL('../../src/sandboxes/isolate/isolate-pool.ts', import.meta.url));
const SANDBOX_MODULE = fileURLToPath(new URL('../../src/sandboxes/isolate-sandbox.ts', import.meta.url));

/** Run an ES module script in a host process of its own; its stdout, once it exits by itself (30 s at most). */
function host(script: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--no-node-snapshot', '--input-type=module', '-e', script], { timeout: 30_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout)));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Wait (up to 10 s) for every process to be gone; the ones still alive after that. */
async function survivors(pids: number[]): Promise<number[]> {
  for (let waited = 0; waited < 10_000 && pids.some(alive); waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  return pids.filter(alive);
}

afterEach(() => {
  stopPrestartedIsolateWorkers();
});

describe('prestarted isolate workers', () => {
  it('are taken by the next pool, which starts none of its own, and serve its runs', async () => {
    const pids = prestartIsolateWorkers(2);
    expect(pids).toHaveLength(2);
    const { logger, entries } = recordingLogger('debug');
    const sandbox = new IsolateSandbox({ workers: 2, logger });
    try {
      await sandbox.warmUp();
      expect([...sandbox.workerPids].sort()).toEqual([...pids].sort());
      expect(entries().filter((entry) => entry.msg === 'isolate worker starting').map((entry) => entry.prestarted)).toEqual([true, true]);
      const results = await Promise.all(['1', '2', '3', '4'].map((value) => sandbox.run({ language: 'javascript', source: `console.log(${value})` })));
      expect(results.map((result) => [result.status, result.stdout])).toEqual([['ok', '1\n'], ['ok', '2\n'], ['ok', '3\n'], ['ok', '4\n']]);
      expect([...sandbox.workerPids].sort()).toEqual([...pids].sort());
    } finally {
      await sandbox.dispose();
    }
    expect(await survivors(pids)).toEqual([]);
  });

  it('are left by a pool started another way (one-shot), and stopped on request', async () => {
    const pids = prestartIsolateWorkers(1);
    const sandbox = new IsolateSandbox({ workers: 1, oneShot: true });
    try {
      expect(sandbox.workerPids).toHaveLength(1);
      expect(sandbox.workerPids).not.toContain(pids[0]);
      expect(await sandbox.run({ language: 'javascript', source: 'console.log(1)' })).toMatchObject({ status: 'ok', stdout: '1\n' });
      expect(alive(pids[0] as number)).toBe(true);
    } finally {
      await sandbox.dispose();
    }
    stopPrestartedIsolateWorkers();
    expect(await survivors(pids)).toEqual([]);
  });

  it('do not keep a host that never uses them alive, and exit with it', async () => {
    // A host that prestarts workers, prints their pids and has nothing else to do.
    const pids = JSON.parse(await host(`const { prestartIsolateWorkers } = await import(${JSON.stringify(POOL_MODULE)}); console.log(JSON.stringify(prestartIsolateWorkers(2)));`)) as number[];
    expect(pids).toHaveLength(2);
    expect(await survivors(pids)).toEqual([]);
  });
});

describe("an isolate sandbox and its host's event loop", () => {
  it('idle workers of a sandbox never disposed do not keep their host alive', async () => {
    const output = await host(
      `const { IsolateSandbox } = await import(${JSON.stringify(SANDBOX_MODULE)});` +
        `const sandbox = new IsolateSandbox({ workers: 2 });` +
        `const results = await Promise.all([1, 2].map((value) => sandbox.run({ language: 'javascript', source: 'console.log(' + value + ')' })));` +
        `console.log(JSON.stringify({ stdout: results.map((result) => result.stdout), pids: sandbox.workerPids }));`,
    );
    const { stdout, pids } = JSON.parse(output) as { stdout: string[]; pids: number[] };
    expect(stdout).toEqual(['1\n', '2\n']);
    expect(await survivors(pids)).toEqual([]);
  });
});
