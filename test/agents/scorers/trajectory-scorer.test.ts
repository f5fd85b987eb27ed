import { describe, expect, it } from 'vitest';
import type { ToolCallRecord, ToolCallStatus } from '../../../src/agents/episode.ts';
import { trajectoryCheckSchema } from '../../../src/agents/scorers/scorer-schema.ts';
import { scoreTrajectory } from '../../../src/agents/scorers/trajectory-scorer.ts';

let nextId = 0;
/** A tool call record as the agent loop writes it. */
function call(name: string, args: unknown, status: ToolCallStatus = 'ok', turn = 0): ToolCallRecord {
  const text = JSON.stringify(args);
  return { id: `call-${nextId++}`, turn, name, arguments: text, parsedArguments: args, status, output: '', truncated: false, durationMs: 1 };
}

const convert = (value: number, from: string, to: string, turn = 0) => call('convert', { value, from, to }, 'ok', turn);

describe('trajectory scorer', () => {
  it('passes when every expected call was made; literals deep-equal with a numeric tolerance, unnamed arguments free', () => {
    const result = scoreTrajectory(
      { calls: [{ tool: 'convert', arguments: { value: 5, from: 'km', to: 'mi' } }] },
      [call('list_files', { path: '.' }), call('convert', { value: 5 + 1e-12, from: 'km', to: 'mi', precision: 3 }), call('submit', { answer: '3.1' })],
    );
    expect(result).toMatchObject({ scorer: 'trajectory', pass: true, score: 1 });
    expect(result.detail).toMatchObject({ precision: 1, recall: 1, ignored: 2, missing: [], extra: [] });
    expect(result.detail.matched).toEqual([{ expected: 0, callId: expect.any(String), tool: 'convert', turn: 0 }]);
  });

  it('fails a wrong argument, and does not coerce types ("5" is not 5, 5.001 is not 5)', () => {
    const expected = { calls: [{ tool: 'convert', arguments: { value: 5, from: 'km', to: 'mi' } }] };
    for (const args of [{ value: '5', from: 'km', to: 'mi' }, { value: 5.001, from: 'km', to: 'mi' }, { value: 5, from: 'km' }]) {
      const result = scoreTrajectory(expected, [call('convert', args)]);
      expect(result.pass).toBe(false);
      expect(result.score).toBe(0);
      expect(result.detail.missing).toEqual([{ expected: 0, tool: 'convert', arguments: { value: 5, from: 'km', to: 'mi' } }]);
      expect(result.detail.extra).toHaveLength(1);
      expect(result.reason).toMatch(/^0 of 1 expected calls made .*missing convert/);
    }
  });

  it('nested literals compare deeply: arrays in order, objects with the same keys', () => {
    const expected = { calls: [{ tool: 'plot', arguments: { points: [[0, 1], [2, 3]], style: { color: 'red' } } }] };
    expect(scoreTrajectory(expected, [call('plot', { points: [[0, 1], [2, 3]], style: { color: 'red' } })]).pass).toBe(true);
    expect(scoreTrajectory(expected, [call('plot', { points: [[2, 3], [0, 1]], style: { color: 'red' } })]).pass).toBe(false);
    expect(scoreTrajectory(expected, [call('plot', { points: [[0, 1], [2, 3]], style: { color: 'red', width: 2 } })]).pass).toBe(false);
  });

  it('patterns are searched in string values only', () => {
    const expected = { calls: [{ tool: 'bash', arguments: { command: { pattern: 'sha256sum\\s+data\\.txt' } } }] };
    expect(scoreTrajectory(expected, [call('bash', { command: 'cd /work && sha256sum data.txt | cut -d" " -f1' })]).pass).toBe(true);
    expect(scoreTrajectory(expected, [call('bash', { command: 'md5sum data.txt' })]).pass).toBe(false);
    expect(scoreTrajectory(expected, [call('bash', { command: ['sha256sum data.txt'] })]).pass).toBe(false);
    expect(scoreTrajectory({ calls: [{ tool: 'bash', arguments: { command: { pattern: 'SHA', flags: 'i' } } }] }, [call('bash', { command: 'sha1sum x' })]).pass).toBe(true);
  });

  it('calls that never ran do not count; calls that ran and failed do', () => {
    const expected = { calls: [{ tool: 'convert', arguments: { value: 5 } }] };
    for (const status of ['invalid-arguments', 'unknown-tool', 'denied', 'skipped'] as const) {
      const result = scoreTrajectory(expected, [call('convert', { value: 5 }, status)]);
      expect(result.pass, status).toBe(false);
      expect(result.detail).toMatchObject({ ignored: 1, precision: 0, recall: 0 });
    }
    for (const status of ['error', 'timeout', 'output-limit'] as const) {
      expect(scoreTrajectory(expected, [call('convert', { value: 5 }, status)]).pass, status).toBe(true);
    }
  });

  it('falls back to the raw arguments text when the record has no parsed arguments', () => {
    const record: ToolCallRecord = { ...call('convert', {}), arguments: '{"value": 5}', parsedArguments: undefined };
    expect(scoreTrajectory({ calls: [{ tool: 'convert', arguments: { value: 5 } }] }, [record]).pass).toBe(true);
    const broken: ToolCallRecord = { ...call('convert', {}), arguments: '{not json', parsedArguments: undefined };
    expect(scoreTrajectory({ calls: [{ tool: 'convert', arguments: { value: 5 } }] }, [broken]).pass).toBe(false);
  });

  it('unordered: a maximum matching, so a loose expectation does not steal the call a strict one needs', () => {
    const expected = {
      calls: [
        { tool: 'convert', arguments: {} },
        { tool: 'convert', arguments: { value: 1 } },
      ],
    };
    // Greedy would give the first expectation the first call (value 1) and leave the second unmatched.
    const result = scoreTrajectory(expected, [convert(1, 'km', 'mi'), convert(2, 'km', 'mi')]);
    expect(result.pass).toBe(true);
    expect(result.detail.matched.map((pair) => pair.expected)).toEqual([0, 1]);
  });

  it('ordered: the calls must come in the expected order, other calls between them allowed', () => {
    const expected = {
      ordered: true,
      calls: [
        { tool: 'convert', arguments: { value: 1 } },
        { tool: 'convert', arguments: { value: 2 } },
      ],
    };
    const inOrder = scoreTrajectory(expected, [convert(1, 'km', 'mi', 0), call('bash', { command: 'ls' }), convert(2, 'km', 'mi', 1)]);
    expect(inOrder).toMatchObject({ pass: true, score: 1 });
    const reversed = scoreTrajectory(expected, [convert(2, 'km', 'mi', 0), convert(1, 'km', 'mi', 1)]);
    expect(reversed.pass).toBe(false);
    expect(reversed.detail).toMatchObject({ recall: 0.5, precision: 0.5, matchedInAnyOrder: 2 });
    expect(reversed.reason).toMatch(/in order.*2 would match in another order/);
    // The same calls pass when order does not matter.
    expect(scoreTrajectory({ ...expected, ordered: false }, [convert(2, 'km', 'mi'), convert(1, 'km', 'mi')]).pass).toBe(true);
  });

  it('exact: a repeated or extra call to a named tool fails; without exact it only lowers the score', () => {
    const calls = [{ tool: 'convert', arguments: { value: 1 } }];
    const made = [convert(1, 'km', 'mi'), convert(1, 'km', 'mi'), call('submit', { answer: 'x' })];
    const loose = scoreTrajectory({ calls }, made);
    expect(loose.pass).toBe(true);
    expect(loose.detail).toMatchObject({ precision: 0.5, recall: 1, ignored: 1 });
    expect(loose.score).toBeCloseTo(2 / 3, 10);
    const strict = scoreTrajectory({ calls, exact: true }, made);
    expect(strict.pass).toBe(false);
    expect(strict.reason).toMatch(/1 of 2 calls to convert not expected \(exact\)/);
  });

  it('no calls at all: score 0, every expectation missing', () => {
    const result = scoreTrajectory({ calls: [{ tool: 'a' }, { tool: 'b' }] }, []);
    expect(result).toMatchObject({ pass: false, score: 0 });
    expect(result.detail.missing.map((missing) => missing.tool)).toEqual(['a', 'b']);
  });

  it('a backtracking pattern on a hostile argument fails within the regex deadline instead of stalling the host', () => {
    const hostile = `${'a'.repeat(40)}!`;
    const expected = { calls: [{ tool: 'bash', arguments: { command: { pattern: '^(a+)+$' } } }] };
    const made = Array.from({ length: 5 }, () => call('bash', { command: hostile }));
    const result = scoreTrajectory(expected, made);
    expect(result.pass).toBe(false);
    expect(result.detail.patternTimeouts).toEqual(['/^(a+)+$/']);
    expect(result.detail.extra).toHaveLength(5);
    expect(result.reason).toMatch(/pattern took too long: \/\^\(a\+\)\+\$\//);
  });

  it('the schema refuses what cannot be matched, naming the field', () => {
    const noCalls = trajectoryCheckSchema.safeParse({ calls: [] });
    expect(noCalls.success).toBe(false);
    const badPattern = trajectoryCheckSchema.safeParse({ calls: [{ tool: 'bash', arguments: { command: { pattern: '(unclosed' } } }] });
    expect(badPattern.error?.issues[0]).toMatchObject({ path: ['calls', 0, 'arguments', 'command', 'pattern'], message: expect.stringMatching(/does not compile/) });
    const extraKey = trajectoryCheckSchema.safeParse({ calls: [{ tool: 'bash', arguments: { command: { pattern: 'x', other: 1 } } }] });
    expect(extraKey.error?.issues[0]?.path).toEqual(['calls', 0, 'arguments', 'command']);
    expect(() => scoreTrajectory({ calls: [] }, [])).toThrow(RangeError);
  });
});
