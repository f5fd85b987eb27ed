import { describe, expect, it } from 'vitest';
import { compareOutput, parsePythonFloat } from '../../src/scoring/compare-output.ts';
import { comparatorSchema } from '../../src/schemas/task.ts';

/** SandboxFusion's stdio comparison (its `check_stdio_test_case`), rule by rule. */
const compare = (actual: string, expected: string) => compareOutput(actual, expected, 'sandboxfusion');

describe('the sandboxfusion comparator', () => {
  it('is a comparator name tasks may use', () => {
    expect(comparatorSchema.parse('sandboxfusion')).toBe('sandboxfusion');
  });

  it('trims the whole output: leading and trailing blank lines and spaces do not count', () => {
    expect(compare('\n  \n3\n\n\n', '3')).toEqual({ passed: true });
    expect(compare('3', '\n3\n  ')).toEqual({ passed: true });
  });

  it('tolerates a trailing empty line (after the trim, only an all-blank output is one empty line)', () => {
    expect(compare('x\n\n', 'x\n')).toEqual({ passed: true });
    expect(compare('\n', '')).toEqual({ passed: true });
    expect(compare('', '\n\n')).toEqual({ passed: true });
  });

  it('needs equal line counts', () => {
    expect(compare('1\n2\n', '1\n')).toEqual({ passed: false, reason: 'expected 1 line, got 2' });
    expect(compare('1\n', '1\n2\n3\n')).toEqual({ passed: false, reason: 'expected 3 lines, got 1' });
    // An empty line inside the output is a line.
    expect(compare('1\n\n2', '1\n2').passed).toBe(false);
  });

  it('trims each line, inside the output too', () => {
    expect(compare('  a  \n\tb\r\nc', 'a\nb\nc\n')).toEqual({ passed: true });
    // Only the ends of a line: inner spacing counts.
    expect(compare('1  2', '1 2')).toEqual({ passed: false, reason: 'line 1: expected "1 2" got "1  2"' });
  });

  it('compares lines case-insensitively', () => {
    expect(compare('YES\nNo', 'yes\nNO')).toEqual({ passed: true });
    expect(compare('Yes', 'No')).toEqual({ passed: false, reason: 'line 1: expected "No" got "Yes"' });
  });

  it('accepts a numeric line within a relative tolerance of 1e-5 of the expected value', () => {
    expect(compare('3.14159', '3.141592')).toEqual({ passed: true });
    expect(compare('100000.5', '100000')).toEqual({ passed: true });
    expect(compare('1e3', '1000.0')).toEqual({ passed: true });
    expect(compare('1_000', '1000')).toEqual({ passed: true });
    // The bound is strict, and relative to the expected value.
    expect(compare('100001', '100000')).toEqual({ passed: false, reason: 'line 1: expected 100000 got 100001 (relative difference 1e-5, not below 1e-5)' });
    expect(compare('1.0001', '1').passed).toBe(false);
    // Near zero the expected magnitude is taken as at least 1e-10.
    expect(compare('0.00000000001', '0').passed).toBe(false);
    expect(compare('1e-16', '0')).toEqual({ passed: true });
  });

  it('applies the tolerance to whole lines only, never to tokens within a line', () => {
    expect(compare('1.0 2.0', '1 2').passed).toBe(false);
  });

  it('takes numbers as Python\'s float() does: infinities and NaN never agree numerically, only as equal text', () => {
    expect(compare('inf', 'INF')).toEqual({ passed: true });
    expect(compare('nan', 'nan')).toEqual({ passed: true });
    expect(compare('inf', 'infinity').passed).toBe(false);
    expect(compare('0x10', '16').passed).toBe(false);
  });

  it('reports no output', () => {
    expect(compare('', '42')).toEqual({ passed: false, reason: 'line 1: expected "42" got ""' });
  });
});

describe('parsePythonFloat', () => {
  it('reads what Python\'s float() reads', () => {
    expect(parsePythonFloat(' 12.5 ')).toBe(12.5);
    expect(parsePythonFloat('-.5e1')).toBe(-5);
    expect(parsePythonFloat('5.')).toBe(5);
    expect(parsePythonFloat('1_000.000_1')).toBe(1000.0001);
    expect(parsePythonFloat('-Infinity')).toBe(Number.NEGATIVE_INFINITY);
    expect(parsePythonFloat('nan')).toBeNaN();
  });

  it('refuses what Python\'s float() refuses', () => {
    for (const text of ['', '.', '1__0', '_1', '1_', '0x10', '1e', '1 2', '--1', 'infin']) expect(parsePythonFloat(text), text).toBeUndefined();
  });
});
