import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerClient } from '../../../src/images/docker-client.ts';
import { RUNNER_MEMORY_OVERHEAD_BYTES, removeContainer, startSandboxContainer, type StartedContainer } from '../../../src/sandboxes/docker/create-container.ts';
import { packFiles } from '../../../src/sandboxes/docker/pack-files.ts';
import type { RunnerStep } from '../../../src/sandboxes/docker/runner-connection.ts';
import { dockerTestEnvironment } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();

// Bytes that are not UTF-8 (a lone continuation byte, 0xff, an encoded surrogate), CR LF and a
// lone CR: python3 under LANG=C.UTF-8 reads them with 'surrogateescape' and no newline
// translation, and writes them back byte for byte.
const STDIN = Buffer.concat([
  Buffer.from('caf\u00e9 '),
  Buffer.from([0xff, 0xfe]),
  Buffer.from(' bad '),
  Buffer.from([0x80]),
  Buffer.from('\r\nline two\rline three\n'),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from(' end'),
]);

const PROGRAMS: Record<string, string> = {
  'echo through text streams': 'import sys\ndata = sys.stdin.read()\nsys.stdout.write(data)\nprint(repr(data), len(data))\nsys.stderr.write(data + "\\n")',
  'line by line': 'import sys\nfor line in sys.stdin:\n    print(repr(line))',
  'input()': 'try:\n    while True:\n        print(repr(input()))\nexcept EOFError:\n    print("eof")',
  'binary buffer': 'import sys\nsys.stdout.buffer.write(sys.stdin.buffer.read()[::-1])',
  // The fork server imports typing before jobs and hands it to a job's first import of it: the
  // modules the import adds, and what typing works with, must be as in a fresh interpreter.
  'modules an import of typing adds': [
    'import sys',
    'before = set(sys.modules)',
    'from typing import List, Counter',
    'import typing',
    'print(sorted(set(sys.modules) - before))',
    'print(List[int], typing.__spec__.name, type(typing.__spec__.loader).__name__, typing.__file__)',
    'import collections',
    'print(isinstance(collections.Counter(), Counter), collections is sys.modules["collections"])',
  ].join('\n'),
  'typing after one of its modules': [
    'import sys, collections',
    'before = set(sys.modules)',
    'import typing',
    'print(sorted(set(sys.modules) - before))',
    'print(isinstance(collections.Counter(), typing.Counter), typing.Counter.__origin__ is collections.Counter)',
  ].join('\n'),
  'stream settings': [
    'import sys',
    'for stream in (sys.stdin, sys.stdout, sys.stderr):',
    '    print(stream.name, stream.mode, stream.encoding, stream.errors, stream.line_buffering, repr(stream.newlines), type(stream.buffer).__name__, stream.buffer.raw.name)',
  ].join('\n'),
};

function step(mode: 'exec' | 'python-fork'): RunnerStep {
  return {
    name: 'run',
    argv: ['python3', 'main.py'],
    mode,
    ...(mode === 'python-fork' ? { script: 'main.py', scriptIndex: 1 } : {}),
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', LANG: 'C.UTF-8', TMPDIR: '/tmp', HOME: '/work/job', PYTHONDONTWRITEBYTECODE: '1' },
    timeoutMs: 10_000,
    cpuTimeMs: 10_000,
    memoryBytes: 256 * 1024 * 1024,
    maxOutputBytes: 1024 * 1024,
    fileSizeBytes: 64 * 1024 * 1024,
    openFiles: 256,
    memoryRlimit: 'none',
    stdin: true,
  };
}

describe.skipIf(!engine.available)('python-fork behaves as python3 main.py (same image, LANG=C.UTF-8)', () => {
  let started: StartedContainer;

  beforeAll(async () => {
    started = await startSandboxContainer(createDockerClient(), {
      image: 'sandbench-python:latest',
      memoryBytes: 256 * 1024 * 1024 + RUNNER_MEMORY_OVERHEAD_BYTES,
      pids: 65,
      diskBytes: 64 * 1024 * 1024,
      workdirExec: false,
      nanoCpus: 1e9,
    });
  });

  afterAll(async () => {
    if (started) {
      started.connection.close();
      await removeContainer(started.container);
    }
  });

  async function run(source: string, mode: 'exec' | 'python-fork') {
    const result = await started.connection.runJob(
      { steps: [step(mode)], files: await packFiles([{ path: 'main.py', content: source }]), stdin: STDIN, collect: [], collectMaxBytes: 0 },
      30_000,
    );
    const [facts] = result.steps;
    return { exitCode: facts!.exitCode, stdout: facts!.stdout.toString('hex'), stderr: facts!.stderr.toString('hex') };
  }

  for (const [name, source] of Object.entries(PROGRAMS)) {
    it(`${name}: byte-identical stdout and stderr, same exit code`, async () => {
      const reference = await run(source, 'exec');
      expect(reference.exitCode).toBe(0);
      expect(await run(source, 'python-fork')).toEqual(reference);
    });
  }
});
