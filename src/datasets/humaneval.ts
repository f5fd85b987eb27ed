import { z } from 'zod';
import type { Task } from '../schemas/task.ts';
import { convertRecords, finishTask, parseRecord, type RecordLocation } from './dataset-record.ts';
import type { JsonlRecord } from './read-jsonl.ts';

/**
 * Run limit of imported HumanEval tasks: human-eval's own 3 s per sample. Sandboxes judge it as
 * CPU time and as wall time less the time the program waited for a CPU, so a busy machine does
 * not turn a correct answer into a timeout (as a plain wall clock would) and needs no margin.
 */
export const HUMANEVAL_TIMEOUT_MS = 3_000;

/** One record of OpenAI's `HumanEval.jsonl(.gz)`. */
export const humanEvalRecordSchema = z.object({
  task_id: z.string().min(1),
  prompt: z.string().min(1),
  // Interpolated into `check(<entry_point>)`: only an identifier may go there.
  entry_point: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected a Python identifier'),
  canonical_solution: z.string(),
  test: z.string().min(1),
});
export type HumanEvalRecord = z.infer<typeof humanEvalRecordSchema>;

/**
 * The program test of a HumanEval task. The harness runs `codePrefix + completion + code`,
 * with `codePrefix = prompt`, so this is exactly upstream's
 * `prompt + completion + "\n" + test + "\n" + "check(" + entry_point + ")"`, byte for byte
 * (no trailing newline, which Python does not need).
 */
export function humanEvalTestCode(record: Pick<HumanEvalRecord, 'test' | 'entry_point'>): string {
  return `\n${record.test}\ncheck(${record.entry_point})`;
}

/** One HumanEval record → a Python task that continues the prompt. */
export function humanEvalTask(value: unknown, location: RecordLocation): Task {
  const record = parseRecord(humanEvalRecordSchema, location, value);
  return finishTask(location, {
    id: record.task_id,
    prompt: record.prompt,
    language: 'python',
    codePrefix: record.prompt,
    entryPoint: record.entry_point,
    reference: record.canonical_solution,
    tests: [{ kind: 'program', code: humanEvalTestCode(record), passWhen: 'exit-zero' }],
    limits: { run: { timeoutMs: HUMANEVAL_TIMEOUT_MS, cpuTimeMs: HUMANEVAL_TIMEOUT_MS } },
    tags: ['humaneval', 'python'],
    metadata: { source: 'openai/human-eval' },
  });
}

/** Convert HumanEval records (from `readJsonl`) to tasks; errors name `file:line (task id): field`. */
export function importHumanEval(records: readonly JsonlRecord[], file: string): Task[] {
  return convertRecords(records, file, 'task_id', humanEvalTask);
}
