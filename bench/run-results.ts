/**
 * What the bench/ scripts read back from the commands they time: the summary `sandbench run
 * --json` prints, the run's journal (`samples.jsonl`), and the baseline driver's results file.
 * All validated, so a changed shape fails loudly instead of being misread.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { CommandRun } from './time-command.ts';

const summarySchema = z.object({
  complete: z.boolean(),
  samples: z.object({ planned: z.number(), scored: z.number(), passed: z.number(), failed: z.number(), unscored: z.number() }),
  /** Milliseconds of the run proper, as the CLI measured it (no process start, no exit). */
  durationMs: z.number(),
  testVerdicts: z.record(z.string(), z.number()).default({}),
});
/** The fields of a run summary the scripts use. */
export type RunSummary = z.infer<typeof summarySchema>;

/** The summary a `sandbench run --json` printed, or an error naming how the run ended. */
export function parseRunSummary(run: CommandRun): RunSummary {
  let value: unknown;
  try {
    value = JSON.parse(run.stdout);
  } catch {
    const ending = run.signal ? `signal ${run.signal}` : `exit ${run.exitCode}`;
    throw new Error(`sandbench run printed no JSON summary (${ending}); stderr ends: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  return summarySchema.parse(value);
}

/** One sample's result in a sandbench run's `samples.jsonl` (the fields the scripts compare). */
export interface JournalSample {
  taskId: string;
  sampleIndex: number;
  completion: string;
  outcome: string;
  /** The first test's verdict and its reason, for printing disagreements. */
  verdict: string;
  reason: string;
}

const journalLineSchema = z.object({
  taskId: z.string(),
  sampleIndex: z.number(),
  completion: z.string().default(''),
  outcome: z.string(),
  error: z.string().optional(),
  verdicts: z
    .array(z.object({ verdict: z.string(), reason: z.string().optional(), execution: z.object({ stderr: z.string() }).optional() }))
    .default([]),
});

/** The samples of a finished sandbench run folder, keyed `task_id#sample index`. */
export function readJournal(runFolder: string): Map<string, JournalSample> {
  const samples = new Map<string, JournalSample>();
  for (const line of readFileSync(join(runFolder, 'samples.jsonl'), 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const entry = journalLineSchema.parse(JSON.parse(line));
    const first = entry.verdicts[0];
    const stderrTail = first?.execution?.stderr?.trim().split('\n').at(-1) ?? '';
    samples.set(sampleKey(entry.taskId, entry.sampleIndex), {
      taskId: entry.taskId,
      sampleIndex: entry.sampleIndex,
      completion: entry.completion,
      outcome: entry.outcome,
      verdict: first?.verdict ?? entry.outcome,
      reason: first?.reason ?? (stderrTail || entry.error || ''),
    });
  }
  return samples;
}

/** The key of one sample in the scripts' maps. */
export function sampleKey(taskId: string, sampleIndex: number): string {
  return `${taskId}#${sampleIndex}`;
}

/** How the baseline driver judged one program. */
export interface BaselineResult {
  passed: boolean;
  /** `passed`, `timed out` or `failed: <why>`. */
  result: string;
}

const baselineLineSchema = z.object({ id: z.string(), passed: z.boolean(), result: z.string() });

/** The baseline driver's results file (`--results`), keyed by program id. */
export function readBaselineResults(file: string): Map<string, BaselineResult> {
  const results = new Map<string, BaselineResult>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const entry = baselineLineSchema.parse(JSON.parse(line));
    results.set(entry.id, { passed: entry.passed, result: entry.result });
  }
  return results;
}
