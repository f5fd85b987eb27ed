import { describe, expect, it } from 'vitest';
import { answerScorerSchema, scoreAnswer, squadNormalise, tokenF1 } from '../../src/scoring/answer-scorers.ts';

describe('answer scorers', () => {
  it('equals: normalises case and whitespace by default, punctuation when asked, any of several answers', () => {
    expect(scoreAnswer('  Paris \n', { equals: 'paris' })).toMatchObject({ pass: true, score: 1 });
    expect(scoreAnswer('Paris.', { equals: 'paris' })).toMatchObject({ pass: false, score: 0 });
    expect(scoreAnswer('Paris.', { equals: 'paris', normalise: { ignorePunctuation: true } }).pass).toBe(true);
    expect(scoreAnswer('PARIS', { equals: 'paris', normalise: { ignoreCase: false } }).pass).toBe(false);
    expect(scoreAnswer('Lutetia', { equals: ['Paris', 'Lutetia'] })).toMatchObject({ pass: true, reason: 'equals "Lutetia"' });
    expect(scoreAnswer('Lyon', { equals: ['Paris', 'Lutetia'] }).reason).toBe('expected "Paris" or "Lutetia", got "Lyon"');
  });

  it('includes: the answer contains one of the expected texts', () => {
    expect(scoreAnswer('The capital is Paris, of course.', { includes: 'paris' }).pass).toBe(true);
    expect(scoreAnswer('The capital is Lyon.', { includes: ['paris', 'lutetia'] }).pass).toBe(false);
  });

  it('regex: the whole trimmed answer must match; a backtracking pattern on a hostile answer fails within the deadline', () => {
    expect(scoreAnswer(' 2026-11-29 ', { regex: '\\d{4}-\\d{2}-\\d{2}' }).pass).toBe(true);
    expect(scoreAnswer('on 2026-11-29', { regex: '\\d{4}-\\d{2}-\\d{2}' }).pass).toBe(false);
    expect(scoreAnswer('ABC', { regex: 'abc', flags: 'i' }).pass).toBe(true);
    const hostile = scoreAnswer(`${'a'.repeat(40)}!`, { regex: '(a+)+$' });
    expect(hostile.pass).toBe(false);
    expect(hostile.reason).toMatch(/took longer than|does not match/);
  });

  it('refuses a regex that does not compile when the scorer is read', () => {
    const parsed = answerScorerSchema.safeParse({ regex: '(unclosed' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/does not compile/);
    expect(() => scoreAnswer('x', { regex: '(unclosed' })).toThrow(RangeError);
  });

  it('number: the last number in the answer, within absolute or relative tolerance', () => {
    expect(scoreAnswer('The total is 1,234.5 dollars', { number: 1234.5 }).pass).toBe(true);
    expect(scoreAnswer('about 3.1416', { number: Math.PI, absTolerance: 1e-3 }).pass).toBe(true);
    expect(scoreAnswer('about 3.2', { number: Math.PI, absTolerance: 1e-3 }).pass).toBe(false);
    expect(scoreAnswer('101', { number: 100, relTolerance: 0.02 }).pass).toBe(true);
    expect(scoreAnswer('first 7, finally -2.5e3', { number: -2500 }).pass).toBe(true);
    expect(scoreAnswer('no idea', { number: 4 })).toMatchObject({ pass: false, reason: 'expected 4, found no number in "no idea"' });
  });

  it('f1: SQuAD-style token F1 against the best reference, passing at the threshold', () => {
    expect(squadNormalise('The Eiffel Tower!')).toBe('eiffel tower');
    expect(tokenF1('the Eiffel tower', 'Eiffel Tower')).toBe(1);
    // 1 common token of 2 predicted and 4 expected ("the" dropped): precision 1/2, recall 1/4, F1 1/3.
    expect(tokenF1('tower bridge', 'the eiffel tower in paris')).toBeCloseTo(1 / 3, 12);
    const scored = scoreAnswer('tower bridge', { f1: ['London Bridge', 'Tower Bridge'] });
    expect(scored).toMatchObject({ scorer: 'f1', pass: true, score: 1 });
    const partial = scoreAnswer('a big bridge', { f1: 'Tower Bridge', threshold: 0.6 });
    expect(partial.score).toBeCloseTo(0.5, 12);
    expect(partial.pass).toBe(false);
    expect(tokenF1('', '')).toBe(1);
    expect(tokenF1('something', '')).toBe(0);
  });

  it('choice: finds the letter in the usual ways of giving it', () => {
    for (const answer of ['B', '(b)', 'B)', 'B.', 'The answer is B', 'Answer: (B)', 'B. Because it is larger']) {
      expect(scoreAnswer(answer, { choice: 'B' }).pass, answer).toBe(true);
    }
    expect(scoreAnswer('C', { choice: 'B' })).toMatchObject({ pass: false, reason: 'expected choice B, got C' });
    expect(scoreAnswer('I am not sure', { choice: 'B' }).pass).toBe(false);
  });

  it('never throws for any answer text', () => {
    const answers = ['', '\u0000', '💥'.repeat(1000), 'x'.repeat(200_000), '-', '1e999', '.'];
    const scorers = [{ equals: 'a' }, { includes: 'a' }, { regex: 'a*' }, { number: 1 }, { f1: 'a b' }, { choice: 'A' }];
    for (const answer of answers) for (const scorer of scorers) expect(() => scoreAnswer(answer, scorer)).not.toThrow();
  });
});
