import { afterAll, describe, expect, it } from 'vitest';
import { IsolateSandbox } from '../../src/sandboxes/isolate-sandbox.ts';
import { judgeTest, MAX_REASON_CHARS } from '../../src/scoring/judge-test.ts';

describe('isolate: huge exception text', () => {
  const sandbox = new IsolateSandbox({ workers: 1 });
  afterAll(() => sandbox.dispose());

  it('caps the message and the verdict reason, so a journal line stays small', async () => {
    const result = await sandbox.run({ language: 'javascript', source: "throw new Error('x'.repeat(3e7));", limits: { timeoutMs: 5000 } });
    expect(result.status).toBe('runtime-error');
    expect(result.message!.length).toBeLessThan(5000);
    expect(result.stderr.length).toBeLessThanOrEqual(1024 * 1024);
    const verdict = judgeTest({ kind: 'program', code: '', passWhen: 'exit-zero' }, result);
    expect(verdict.reason!.length).toBeLessThanOrEqual(MAX_REASON_CHARS + 100);
    expect(JSON.stringify(verdict).length).toBeLessThan(20_000);
  });
});
