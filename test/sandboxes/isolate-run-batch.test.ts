import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executionResultSchema } from '../../src/schemas/execution-result.ts';
import { IsolateSandbox } from '../../src/sandboxes/isolate-sandbox.ts';
import type { SandboxBatchRequest } from '../../src/sandboxes/sandbox.ts';

let sandbox: IsolateSandbox;

beforeAll(() => {
  sandbox = new IsolateSandbox({ workers: 2 });
});

afterAll(async () => {
  await sandbox.dispose();
});

async function runBatch(request: SandboxBatchRequest) {
  if (!sandbox.runBatch) throw new Error('IsolateSandbox has no runBatch');
  const results = await sandbox.runBatch(request);
  for (const result of results) executionResultSchema.parse(result);
  return results;
}

describe('IsolateSandbox.runBatch', () => {
  it('runs the program once per stdin, in order, each in its own fresh isolate', async () => {
    const source = [
      "const input = require('fs').readFileSync(0, 'utf8').trim();",
      'globalThis.seen = (globalThis.seen ?? 0) + 1;',
      "console.log(input.split(' ').map(Number).reduce((a, b) => a + b, 0), 'runs seen here:', globalThis.seen);",
    ].join('\n');
    const stdins = Array.from({ length: 6 }, (_, index) => `${index} ${index * 10}\n`);
    const results = await runBatch({ language: 'javascript', source, stdins });
    expect(results.map((result) => result.stdout)).toEqual(stdins.map((_, index) => `${index * 11} runs seen here: 1\n`));
    expect(results.every((result) => result.status === 'ok')).toBe(true);
  });

  it('each run has its own verdict', async () => {
    const source = "const n = Number(require('fs').readFileSync(0, 'utf8'));\nif (n === 1) throw new Error('one');\nif (n === 2) for (;;) {}\nconsole.log(n);";
    const results = await runBatch({ language: 'javascript', source, stdins: ['0', '1', '2', '3'], limits: { timeoutMs: 500 } });
    expect(results.map((result) => result.status)).toEqual(['ok', 'runtime-error', 'timeout', 'ok']);
    expect(results[3]?.stdout).toBe('3\n');
  });

  it('transpiles TypeScript once for all runs', async () => {
    const source = "const line: string = require('fs').readFileSync(0, 'utf8').trim();\nconsole.log(line.toUpperCase());\n";
    const results = await runBatch({ language: 'typescript', source, stdins: ['a', 'b', 'c'] });
    expect(results.map((result) => result.stdout)).toEqual(['A\n', 'B\n', 'C\n']);
    // One transpile: every result carries the same compile step.
    expect(new Set(results.map((result) => JSON.stringify(result.compile))).size).toBe(1);
    expect(results[0]?.compile).toMatchObject({ status: 'ok' });
  });

  it('a compile error is every run\'s result', async () => {
    const results = await runBatch({ language: 'typescript', source: 'let x: number = ;\n', stdins: ['1', '2'] });
    expect(results).toHaveLength(2);
    for (const result of results) {
      expect(result).toMatchObject({ status: 'compile-error', compile: { status: 'compile-error' } });
      expect(result.stderr).toContain('error TS1109');
    }
    expect(results[0]).not.toBe(results[1]);
  });

  it('an empty batch runs nothing', async () => {
    expect(await runBatch({ language: 'javascript', source: 'console.log(1)', stdins: [] })).toEqual([]);
  });
});
