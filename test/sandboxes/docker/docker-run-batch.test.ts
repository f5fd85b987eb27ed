import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerSandbox, RECYCLE_POLICIES } from '../../../src/sandboxes/docker-sandbox.ts';
import type { ExecutionResult } from '../../../src/schemas/execution-result.ts';
import { repoRoot } from '../../helpers/paths.ts';
import { dockerTestEnvironment, readFixture } from './docker-test-env.ts';

const engine = await dockerTestEnvironment();

/** An answer to "print n squared" that is wrong for some inputs and fails for others. */
const SQUARES = `#include <cstdio>
int main() {
  long n = 0;
  if (scanf("%ld", &n) != 1) return 2;
  if (n % 7 == 3) { fprintf(stderr, "cannot do %ld\\n", n); return 1; }
  printf("%ld\\n", n % 5 == 4 ? n * n + 1 : n * n);
  return 0;
}
`;

/** What a verdict rests on. */
function outcome(result: ExecutionResult): Record<string, unknown> {
  return { status: result.status, exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr, message: result.message };
}

describe.skipIf(!engine.available)('DockerSandbox.runBatch: compile once, run per stdin', () => {
  let profiles: string;
  let sandbox: DockerSandbox;

  beforeAll(() => {
    // The real profiles, with C++'s compile step printing a fresh random number first: the
    // number in a result's compile output tells which compile made its program.
    profiles = mkdtempSync(join(tmpdir(), 'sandbench-profiles-'));
    cpSync(join(repoRoot, 'sandboxes'), profiles, { recursive: true });
    const file = join(profiles, 'cpp', 'profile.json');
    const profile = JSON.parse(readFileSync(file, 'utf8'));
    profile.compile.command = ['sh', '-c', `echo "compile $(od -An -N8 -tx8 /dev/urandom | tr -d ' ')" >&2; exec ${profile.compile.command.join(' ')}`];
    writeFileSync(file, JSON.stringify(profile));
    sandbox = new DockerSandbox({ poolSize: 1, profilesRoot: profiles });
  });

  afterAll(async () => {
    await sandbox?.dispose();
    rmSync(profiles, { recursive: true, force: true });
  });

  it('a C++ answer with 30 I/O tests is compiled once, and every verdict is what a separate run gives', async () => {
    const stdins = Array.from({ length: 30 }, (_, index) => `${index}\n`);
    const batch = await sandbox.runBatch({ language: 'cpp', source: SQUARES, stdins });
    expect(batch).toHaveLength(30);
    const compiles = new Set(batch.map((result) => result.compile?.stderr));
    expect(compiles.size).toBe(1);
    expect([...compiles][0]).toMatch(/^compile [0-9a-f]{16}\n$/);

    const separate: ExecutionResult[] = [];
    for (const stdin of stdins) separate.push(await sandbox.run({ language: 'cpp', source: SQUARES, stdin }));
    // Separate runs compile each time (so the number above does tell compiles apart).
    expect(new Set(separate.map((result) => result.compile?.stderr)).size).toBe(30);
    expect(batch.map(outcome)).toEqual(separate.map(outcome));
    expect(batch.map((result) => result.status)).toContain('runtime-error');
  }, 240_000);

  it('under on-failure each failing run moves the rest to a new container, still compiled once, with the same verdicts', async () => {
    const stdins = Array.from({ length: 12 }, (_, index) => `${index}\n`);
    const cautious = new DockerSandbox({ poolSize: 1, profilesRoot: profiles, recycleOn: RECYCLE_POLICIES['on-failure'] });
    try {
      const results = await cautious.runBatch({ language: 'cpp', source: SQUARES, stdins });
      expect(new Set(results.map((result) => result.compile?.stderr)).size).toBe(1);
      const reference = await sandbox.runBatch({ language: 'cpp', source: SQUARES, stdins });
      expect(results.map(outcome)).toEqual(reference.map(outcome));
    } finally {
      await cautious.dispose();
    }
  });

  it('a compile error is every run\'s result', async () => {
    const results = await sandbox.runBatch({ language: 'cpp', source: 'int main() { return missing; }\n', stdins: ['1', '2', '3'] });
    expect(results.map((result) => result.status)).toEqual(['compile-error', 'compile-error', 'compile-error']);
    expect(results[0]!.compile?.stderr).toMatch(/missing/);
  });

  it('a run that writes files, overwrites the program or leaves a process behind changes nothing for the next', async () => {
    const stdins = ['check', 'write', 'check', 'fork', 'check', 'check'];
    const results = await sandbox.runBatch({ language: 'cpp', source: readFixture('batch-neighbour.cpp'), stdins });
    expect(results.map((result) => `${result.status} ${result.stdout.trim()}`)).toEqual([
      'ok marks 0 0, others 0',
      'ok wrote',
      'ok marks 0 0, others 0',
      'ok forked',
      'ok marks 0 0, others 0',
      'ok marks 0 0, others 0',
    ]);
    expect(results[3]!.message).toMatch(/left behind/);
    // Still one compile: the runs after the one that left a process went to a new container
    // with the compiled program.
    expect(new Set(results.map((result) => result.compile?.stderr)).size).toBe(1);
  });

  it('Python: one run per stdin, each with a fresh work directory', async () => {
    const source = 'import os, sys\nprint(sorted(os.listdir(".")), sys.stdin.read().strip())\nopen("left.txt", "w").write("x")';
    const results = await sandbox.runBatch({ language: 'python', source, stdins: ['a', 'b'] });
    expect(results.map((result) => result.stdout)).toEqual(["['main.py'] a\n", "['main.py'] b\n"]);
  });
});
