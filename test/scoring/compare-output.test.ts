import { describe, expect, it } from 'vitest';
import { compareOutput, numbersAgree, parseNumericToken } from '../../src/scoring/compare-output.ts';
import { describeLineDifference, quoteExcerpt } from '../../src/scoring/line-diff.ts';

describe('exact', () => {
  it('passes only byte-identical output', () => {
    expect(compareOutput('a\nb\n', 'a\nb\n', 'exact')).toEqual({ passed: true });
    expect(compareOutput('a\r\nb\n', 'a\nb\n', 'exact').passed).toBe(false);
  });

  it('names the first differing line, expected vs got', () => {
    const result = compareOutput('1\n2\n41\n', '1\n2\n42\n', 'exact');
    expect(result).toEqual({ passed: false, reason: 'line 3: expected "42" got "41"' });
  });

  it('shows invisible differences (CR, trailing spaces) through JSON quoting', () => {
    expect(compareOutput('x \n', 'x\n', 'exact').reason).toBe('line 1: expected "x" got "x "');
    expect(compareOutput('x\r\n', 'x\n', 'exact').reason).toBe('line 1: expected "x" got "x\\r"');
  });

  it('explains a missing or extra final newline in words', () => {
    expect(compareOutput('42', '42\n', 'exact').reason).toBe('output lacks the final newline');
    expect(compareOutput('42\n\n', '42\n', 'exact').reason).toBe('output has an extra final newline');
  });

  it('reports no output', () => {
    expect(compareOutput('', 'hello\nworld\n', 'exact').reason).toBe('no output; expected "hello" (3 lines)');
  });
});

describe('trim', () => {
  it('ignores trailing whitespace, CR and trailing blank lines', () => {
    expect(compareOutput('a  \r\nb\t\n\n\n', 'a\nb', 'trim').passed).toBe(true);
  });

  it('does not ignore leading whitespace or inner blank lines', () => {
    expect(compareOutput(' a\n', 'a\n', 'trim').reason).toBe('line 1: expected "a" got " a"');
    expect(compareOutput('a\n\nb\n', 'a\nb\n', 'trim').passed).toBe(false);
  });

  it('notes missing and extra lines', () => {
    expect(compareOutput('1\n2\n', '1\n2\n3\n4\n', 'trim').reason).toBe('line 3: expected "3", got end of output (2 lines missing)');
    expect(compareOutput('1\n2\n3\n', '1\n', 'trim').reason).toBe('line 2: expected end of output, got "2" (2 extra lines)');
  });

  it('says when nothing was printed', () => {
    expect(compareOutput('  \n\n', '42\n', 'trim').reason).toBe('no output; expected "42"');
  });
});

describe('whitespace', () => {
  it('compares token sequences, whatever the spacing and line breaks', () => {
    expect(compareOutput('1  2\n3\t4\n', '1 2 3 4', 'whitespace').passed).toBe(true);
  });

  it('names the first differing token and its line', () => {
    expect(compareOutput('1 2\n3 5\n', '1 2 3 4', 'whitespace').reason).toBe('token 4 (line 2): expected "4" got "5"');
  });

  it('counts missing and extra tokens', () => {
    expect(compareOutput('1 2', '1 2 3', 'whitespace').reason).toBe('expected 3 tokens, got 2: token 3 "3" (expected line 1) is missing');
    expect(compareOutput('1 2 3\n4', '1 2 3', 'whitespace').reason).toBe('expected 3 tokens, got 4: extra token "4" on line 2');
  });
});

describe('float', () => {
  it('accepts numbers within the default tolerance 1e-6 and rejects beyond it', () => {
    expect(compareOutput('3.1415927\n', '3.14159265', 'float').passed).toBe(true);
    const result = compareOutput('3.15\n', '3.14159265', 'float');
    expect(result.passed).toBe(false);
    expect(result.reason).toBe('token 1 (line 1): expected 3.14159265 got 3.15 (outside tolerance abs 0.000001, rel 0.000001)');
  });

  it('uses the tolerances of the object form', () => {
    const loose = { type: 'float', absTolerance: 0.01, relTolerance: 0 } as const;
    expect(compareOutput('1.005', '1', loose).passed).toBe(true);
    expect(compareOutput('1.02', '1', loose).passed).toBe(false);
    // Relative: |1000 - 1001| = 1 ≤ 0.001 × 1001.
    expect(compareOutput('1001', '1000', { type: 'float', absTolerance: 0, relTolerance: 0.001 }).passed).toBe(true);
  });

  it('accepts a difference exactly at the tolerance despite binary rounding', () => {
    // 1.1 - 1.0 is 0.10000000000000009 in binary floating point.
    expect(compareOutput('1.1', '1.0', { type: 'float', absTolerance: 0.1, relTolerance: 0 }).passed).toBe(true);
  });

  it('compares integers, exponents and signs numerically', () => {
    expect(compareOutput('1.0 2e3 -0.5 +7', '1 2000 -.5 7', 'float').passed).toBe(true);
  });

  it('requires non-numeric tokens to be equal and the token counts to match', () => {
    expect(compareOutput('x = 1.0000001', 'x = 1', 'float').passed).toBe(true);
    expect(compareOutput('y = 1', 'x = 1', 'float').reason).toBe('token 1 (line 1): expected "x" got "y"');
    expect(compareOutput('1 2', '1', 'float').passed).toBe(false);
  });

  it('treats NaN as equal only to NaN, and infinities as equal only to the same infinity', () => {
    expect(compareOutput('nan inf -inf', 'NaN Infinity -Infinity', 'float').passed).toBe(true);
    expect(compareOutput('nan', '0', 'float').passed).toBe(false);
    expect(compareOutput('inf', '-inf', 'float').passed).toBe(false);
    expect(compareOutput('1e308', 'inf', 'float').passed).toBe(false);
  });

  it('parses numeric tokens and only them', () => {
    expect(parseNumericToken('-1.5e-3')).toBe(-0.0015);
    expect(parseNumericToken('5.')).toBe(5);
    expect(parseNumericToken('-INF')).toBe(Number.NEGATIVE_INFINITY);
    expect(parseNumericToken('0x10')).toBeUndefined();
    expect(parseNumericToken('1,5')).toBeUndefined();
    expect(parseNumericToken('[1.0,')).toBeUndefined();
    expect(numbersAgree(Number.NaN, Number.NaN, { absTolerance: 0, relTolerance: 0 })).toBe(true);
  });
});

describe('regex', () => {
  it('must match the whole output after one trailing newline is removed', () => {
    expect(compareOutput('took 12 ms\n', 'took \\d+ ms', 'regex').passed).toBe(true);
    expect(compareOutput('it took 12 ms\n', 'took \\d+ ms', 'regex').passed).toBe(false);
    expect(compareOutput('took 12 ms\n\n', 'took \\d+ ms', 'regex').passed).toBe(false);
    expect(compareOutput('took 12 ms\r\n', 'took \\d+ ms', 'regex').passed).toBe(true);
  });

  it('lets alternations backtrack to a full match', () => {
    expect(compareOutput('ab', 'a|ab', 'regex').passed).toBe(true);
  });

  it('stays anchored to the whole output under the m flag', () => {
    const multiline = { type: 'regex', flags: 'm' } as const;
    expect(compareOutput('a\nb\n', '^a$\n^b$', multiline).passed).toBe(true);
    expect(compareOutput('a\nb\n', '^a$', multiline).passed).toBe(false);
  });

  it('honours the flags of the object form', () => {
    expect(compareOutput('HELLO\n', 'hello', { type: 'regex', flags: 'i' }).passed).toBe(true);
    expect(compareOutput('HELLO\n', 'hello', 'regex').passed).toBe(false);
    expect(compareOutput('a\nb', 'a.b', { type: 'regex', flags: 's' }).passed).toBe(true);
  });

  it('fails with a reason naming an invalid pattern, never throwing', () => {
    const result = compareOutput('x', 'a(b', 'regex');
    expect(result.passed).toBe(false);
    expect(result.reason).toMatch(/^invalid regex \/a\(b\/: /);
    // Wrapping in a group must not make an invalid pattern valid.
    expect(compareOutput('ab', 'a)(b', 'regex').reason).toMatch(/^invalid regex/);
  });

  it('shows the pattern as written and the first line of output', () => {
    expect(compareOutput('took many ms\nsecond\n', 'took \\d+ ms', 'regex').reason).toBe(
      'output does not match /took \\d+ ms/; got "took many ms" (+1 more lines)',
    );
  });
});

describe('contains', () => {
  it('passes when the output contains the expected text', () => {
    expect(compareOutput('result: 42 (ok)\n', '42', 'contains').passed).toBe(true);
    expect(compareOutput('result: 41\n', '42', 'contains').reason).toBe('output does not contain "42"');
  });
});

describe('line diff helpers', () => {
  it('cuts long lines to a window around the first difference', () => {
    const expected = 'x'.repeat(500) + 'A' + 'y'.repeat(500);
    const actual = 'x'.repeat(500) + 'B' + 'y'.repeat(500);
    const reason = describeLineDifference([expected], [actual]) as string;
    expect(reason).toContain('A');
    expect(reason).toContain('B');
    expect(reason.length).toBeLessThan(500);
  });

  it('quotes short text whole', () => {
    expect(quoteExcerpt('a"b')).toBe('"a\\"b"');
    expect(describeLineDifference(['a'], ['a'])).toBeUndefined();
  });
});

describe('regex comparator on hostile output', () => {
  it('fails, rather than stalling the host, when a pattern backtracks catastrophically', () => {
    // Without the deadline this match would run for longer than the test's own timeout.
    const result = compareOutput('a'.repeat(40) + 'b', '(a+)+', { type: 'regex', flags: '' });
    expect(result.passed).toBe(false);
    expect(result.reason).toMatch(/took longer than 1000 ms/);
  });
});
