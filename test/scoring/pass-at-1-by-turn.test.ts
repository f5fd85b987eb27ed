import { describe, expect, it } from 'vitest';
import { passAt1ByTurn } from '../../src/scoring/pass-at-1-by-turn.ts';

describe('passAt1ByTurn', () => {
  it('counts a sample as passed at turn t when any turn up to t passed, averaged per task then over tasks', () => {
    const tasks = [
      // Task a, 2 samples: passed at turn 0; failed, then passed at turn 1.
      [['passed'], ['failed', 'passed']],
      // Task b, 2 samples: failed three times; failed, failed, passed.
      [['failed', 'failed', 'failed'], ['failed', 'failed', 'passed']],
    ];
    // turn 0: a 1/2, b 0/2 → (0.5 + 0) / 2 = 0.25
    // turn 1: a 2/2, b 0/2 → (1 + 0) / 2 = 0.5
    // turn 2: a 2/2, b 1/2 → (1 + 0.5) / 2 = 0.75
    const byTurn = passAt1ByTurn(tasks);
    expect(byTurn).toHaveLength(3);
    expect(byTurn[0]).toBeCloseTo(0.25, 12);
    expect(byTurn[1]).toBeCloseTo(0.5, 12);
    expect(byTurn[2]).toBeCloseTo(0.75, 12);
  });

  it('weighs each task equally whatever its sample count, as pass@1 does', () => {
    // a: 1 of 3 passes at turn 0 and stays; b: its one sample passes at turn 1.
    // turn 0: (1/3 + 0) / 2 = 1/6; turn 1: (1/3 + 1) / 2 = 2/3.
    const byTurn = passAt1ByTurn([[['passed'], ['failed'], ['failed']], [['failed', 'passed']]]);
    expect(byTurn[0]).toBeCloseTo(1 / 6, 12);
    expect(byTurn[1]).toBeCloseTo(2 / 3, 12);
  });

  it('never decreases, and a later failure does not undo an earlier pass', () => {
    const byTurn = passAt1ByTurn([[['passed', 'failed', 'failed']], [['failed', 'failed', 'failed', 'passed']]]);
    // a passed at 0 for good; b passes at 3: 0.5, 0.5, 0.5, 1.
    expect(byTurn).toEqual([0.5, 0.5, 0.5, 1]);
  });

  it('handles all passing, none passing, single turns, and tasks without samples', () => {
    expect(passAt1ByTurn([[['passed']], [['passed']]])).toEqual([1]);
    expect(passAt1ByTurn([[['failed', 'failed']], [['failed']]])).toEqual([0, 0]);
    expect(passAt1ByTurn([[], [['failed', 'passed']]])).toEqual([0, 1]);
    expect(passAt1ByTurn([])).toEqual([]);
    expect(passAt1ByTurn([[]])).toEqual([]);
  });

  it('treats any outcome other than passed as not passed, and a sample with no turns as never passing', () => {
    // A turn lost to a timeout status or an unknown word is not a pass.
    expect(passAt1ByTurn([[['timeout', 'compile-error', 'passed']], [[]]])).toEqual([0, 0, 0.5]);
  });
});
