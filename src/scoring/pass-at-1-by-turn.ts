/**
 * pass@1 after each turn of multi-turn repair (the first answer is turn 0, each answer to test
 * feedback the next). A sample counts as passed at turn t when any of its turns up to t passed: a
 * sample that passed stops being repaired, and one that stopped early without passing stays
 * failed. As pass@1, the rate is taken per task (passed samples over the task's samples) and then
 * averaged over tasks, so the last value is pass@1 of the final answers.
 *
 * @param tasks per task, per scored sample, the outcome of each turn in order (`passed` is a pass,
 *   any other word is not); tasks without samples are left out
 * @returns one rate per turn, as many as the longest sample has turns; `[]` without samples
 */
export function passAt1ByTurn(tasks: ReadonlyArray<ReadonlyArray<readonly string[]>>): number[] {
  const withSamples = tasks.filter((samples) => samples.length > 0);
  const turns = Math.max(0, ...withSamples.flatMap((samples) => samples.map((outcomes) => outcomes.length)));
  const totals = new Array<number>(turns).fill(0);
  for (const samples of withSamples) {
    // Samples of this task passed by each turn.
    const passedBy = new Array<number>(turns).fill(0);
    for (const outcomes of samples) {
      const firstPass = outcomes.indexOf('passed');
      if (firstPass < 0) continue;
      for (let turn = firstPass; turn < turns; turn++) passedBy[turn]! += 1;
    }
    for (let turn = 0; turn < turns; turn++) totals[turn]! += passedBy[turn]! / samples.length;
  }
  if (turns === 0) return [];
  return totals.map((total) => total / withSamples.length);
}
