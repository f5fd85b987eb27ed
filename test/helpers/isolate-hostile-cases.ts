/**
 * The hostile guest programs every isolate configuration must contain (the default pool and the
 * one-shot worker of `exec`): each fixture under test/fixtures/programs/js/ with the limits it
 * runs under and what its result must be.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { ExecutionResult } from '../../src/schemas/execution-result.ts';
import type { ExecutionLimitsInput } from '../../src/schemas/limits.ts';

const MiB = 1024 * 1024;
const fixtures = new URL('../fixtures/programs/js/', import.meta.url);

/** The text of a guest program fixture. */
export const jsFixture = (name: string): string => readFileSync(fileURLToPath(new URL(name, fixtures)), 'utf8');

/** Limits for hostile programs: short clocks, a small heap, a small output cap. */
export const HOSTILE: ExecutionLimitsInput = { timeoutMs: 1_000, memoryBytes: 64 * MiB, maxOutputBytes: 64 * 1024 };

export interface HostileCase {
  /** Fixture file name. */
  file: string;
  /** What the result must be. */
  check: (result: ExecutionResult) => void;
  /** Limits instead of `HOSTILE`. */
  limits?: ExecutionLimitsInput;
}

export const HOSTILE_CASES: HostileCase[] = [
  {
    file: 'infinite-loop.js',
    check: (result) => expect(result).toMatchObject({ status: 'timeout', exitCode: null, message: 'wall-clock limit of 1000 ms reached' }),
  },
  {
    file: 'unbounded-recursion.js',
    check: (result) => {
      expect(result).toMatchObject({ status: 'runtime-error', exitCode: 1, message: 'Uncaught RangeError: Maximum call stack size exceeded' });
      expect(result.stderr).toContain('at deeper (main.js:3:');
    },
  },
  {
    file: 'memory-bomb.js',
    // A generous clock: the limit, not the clock, must stop it even on a loaded machine.
    limits: { ...HOSTILE, timeoutMs: 20_000 },
    check: (result) => expect(result).toMatchObject({ status: 'memory-limit', exitCode: null, message: 'memory limit of 64 MiB exceeded' }),
  },
  {
    // isolated-vm's array-buffer allocator refuses a buffer that would cross the memory
    // limit: the guest sees V8's RangeError (it could catch it), so this is a runtime error.
    file: 'large-array-buffers.js',
    check: (result) => {
      expect(result).toMatchObject({ status: 'runtime-error', exitCode: 1, message: 'Uncaught RangeError: Array buffer allocation failed' });
      expect(result.stdout).toBe('');
    },
  },
  {
    // Runs away in native code that ignores termination: the worker's resident-memory cap
    // kills the worker, and the host reports memory-limit from the worker's last word.
    file: 'huge-array-fill.js',
    limits: { ...HOSTILE, timeoutMs: 20_000 },
    check: (result) => {
      expect(result.status).toBe('memory-limit');
      expect(result.message).toContain('resident memory');
    },
  },
  {
    file: 'output-flood.js',
    check: (result) => {
      expect(result).toMatchObject({ status: 'output-limit', exitCode: null, stdoutTruncated: true, stderrTruncated: false });
      expect(Buffer.byteLength(result.stdout)).toBe(64 * 1024);
      expect(result.stdout.startsWith('flood flood')).toBe(true);
    },
  },
  {
    file: 'output-flood-caught.js',
    check: (result) => {
      // Stopped at the cap (a status of its own), not left to spin until the 1000 ms clock.
      expect(result).toMatchObject({ status: 'output-limit', stdoutTruncated: true });
    },
  },
  {
    // Documented choice: a promise nobody settles ends with the guest's empty queue, as in Node.
    file: 'promise-never-resolves.js',
    check: (result) => expect(result).toMatchObject({ status: 'ok', exitCode: 0, stdout: 'started\n', stderr: '' }),
  },
  {
    file: 'async-infinite-loop.js',
    // Ended by the worker at its limit (mid-entry, or seeing its next timer due past it), not by
    // the host killing a worker that missed its deadline.
    check: (result) => expect(result).toMatchObject({ status: 'timeout', message: expect.stringMatching(/^wall-clock limit of 1000 ms reached/) }),
  },
  {
    file: 'microtask-flood.js',
    check: (result) => expect(result).toMatchObject({ status: 'timeout', message: 'wall-clock limit of 1000 ms reached' }),
  },
  {
    file: 'atomics-wait.js',
    check: (result) => {
      // Ended by the worker at its limit, not by the host killing a worker that missed its deadline.
      expect(result).toMatchObject({ status: 'timeout', stdout: '', message: 'wall-clock limit of 1000 ms reached' });
    },
  },
  {
    file: 'hostile-thrown-value.js',
    check: (result) => expect(result).toMatchObject({ status: 'timeout', message: 'wall-clock limit of 1000 ms reached' }),
  },
  {
    file: 'hostile-rejection.js',
    check: (result) => {
      expect(result.status).toBe('timeout');
      expect(result.message).toContain('the worker was killed');
    },
  },
  {
    file: 'wasm-memory-growth.js',
    check: (result) => expect(result).toMatchObject({ status: 'runtime-error', message: 'Uncaught ReferenceError: WebAssembly is not defined' }),
  },
  {
    file: 'dynamic-import.js',
    check: (result) => {
      expect(result).toMatchObject({ status: 'runtime-error', exitCode: 1 });
      expect(result.stdout).toBe('');
      expect(result.message).toContain('Not supported');
    },
  },
  {
    file: 'reach-require.js',
    check: (result) => {
      expect(result.status).toBe('ok');
      const got = JSON.parse(result.stdout) as Record<string, string>;
      expect(got.typeofRequire).toBe('function');
      expect(got.childProcess).toBe("threw: Cannot find module 'child_process'");
      expect(got.nodeFs).toBe('readFileSync,existsSync,writeSync,writeFileSync');
      expect(got.passwd).toBe("threw: ENOENT: no such file or directory, open '/etc/passwd'");
      expect(got.moduleRequire).toBe('undefined');
      expect(got.mainModule).toBe('undefined');
      expect(got.createRequire).toBe("threw: Cannot find module 'module'");
      expect(got.worker).toBe("threw: Cannot find module 'worker_threads'");
    },
  },
  {
    file: 'reach-process.js',
    check: (result) => {
      expect(result.status).toBe('ok');
      expect(JSON.parse(result.stdout)).toEqual({
        typeofProcess: 'object',
        versions: 'undefined',
        binding: 'undefined',
        dlopen: 'undefined',
        mainModule: 'undefined',
        envKeys: 0,
        pid: 1,
        kill: 'undefined',
        getBuiltinModule: 'undefined',
      });
    },
  },
  {
    file: 'global-host-objects.js',
    check: (result) => {
      expect(result.status).toBe('ok');
      const got = JSON.parse(result.stdout) as { names: string[]; found: string[] };
      expect(got.found.sort()).toEqual(['process', 'setTimeout']);
      for (const hostName of ['Buffer', 'global', 'require', 'module', 'fetch', 'WebAssembly', '__sandbenchRun']) {
        expect(got.names).not.toContain(hostName);
      }
    },
  },
  {
    file: 'constructor-chain.js',
    check: (result) => {
      expect(result.status).toBe('ok');
      const got = JSON.parse(result.stdout) as Record<string, unknown>;
      expect(got).toMatchObject({
        globalFromThis: true,
        globalFromFunction: true,
        processFromChain: 'undefined/undefined',
        logConstructor: true,
        logChain: 'undefined',
        asyncFunctionCtor: 'function',
        hostRequireFromChain: 'threw: ReferenceError',
      });
      // Call sites only ever show guest frames.
      expect(got.frameFiles).toEqual(['main.js', 'sandbench:prelude', 'main.js']);
    },
  },
];
