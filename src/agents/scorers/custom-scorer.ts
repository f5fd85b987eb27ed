import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { errorMessage, SandboxError } from '../../errors/sandbench-error.ts';
import type { ExecutionResult } from '../../schemas/execution-result.ts';
import type { Sandbox } from '../../sandboxes/sandbox.ts';
import type { EpisodeRecord } from '../episode.ts';
import { customCheckSchema, DEFAULT_EXPORT } from './scorer-schema.ts';

/**
 * The custom scorer: the task's own JavaScript, run in an isolate (no host access, with limits),
 * receiving `{ answer, episode, files }` and returning `{ pass, score?, reason? }` (or a promise
 * of it). Whatever the code does — throw, loop, allocate, print, return nonsense — the result is
 * a failed component whose reason says what happened; only an engine fault of the sandbox is a
 * `sandbox-error` fault.
 *
 * How it runs: the line starting `export default` becomes a declaration of a constant, and a
 * harness, run as the program's test code, calls it with the input (embedded as a JSON string)
 * and prints the result after a marker holding a fresh random nonce. Text the scorer prints,
 * the model's answer included, cannot forge the result: it does not know the nonce. The harness
 * keeps only `pass`, `score` and a capped `reason`, so a huge return costs nothing on the host.
 * A consequence of the rewrite: the default export is an expression, so a following line that
 * starts with `(` or `[` continues it (end the export with `;`).
 */

/** Defaults of a custom scorer's run. */
const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_MEMORY_BYTES = 128 * 1024 * 1024;
const MAX_OUTPUT_BYTES = 1024 * 1024;
/** Characters of the scorer's reason kept (the harness cuts it in the isolate). */
const REASON_CHARS = 2_000;
/** Characters of the scorer's own output kept in the detail. */
const KEPT_OUTPUT_CHARS = 2_000;

/** The name the default export is bound to in the isolate. */
const SCORER_BINDING = '__sandbenchCustomScorer';

/** What the harness prints after the marker. */
const harnessReportSchema = z.union([
  z.strictObject({ value: z.unknown() }),
  z.strictObject({ error: z.string() }),
  z.strictObject({ notFunction: z.string() }),
  z.strictObject({ notObject: z.string() }),
]);

/** The result the scorer function must return. */
const customResultSchema = z.object({
  pass: z.boolean({ error: 'pass must be true or false' }),
  score: z.number({ error: 'score must be a number from 0 to 1' }).min(0, 'score must be from 0 to 1').max(1, 'score must be from 0 to 1').optional(),
  reason: z.string({ error: 'reason must be a string' }).optional(),
});

export interface CustomScoreRequest {
  /** The scorer (parsed here). */
  check: z.input<typeof customCheckSchema>;
  /** The episode; its `answer` (or `''` when null) is the function's `answer`. */
  episode: EpisodeRecord;
  /** The listed work-directory files: path → text, or null when it could not be read. */
  files: Record<string, string | null>;
  /** A sandbox that runs JavaScript: the isolate. */
  isolate: Sandbox;
  signal?: AbortSignal;
}

/** What the custom scorer made of an episode. */
export interface CustomScore {
  scorer: 'custom';
  pass: boolean;
  score: number;
  reason: string;
  /** Set when the sandbox itself failed: the sample is not scored. */
  fault?: 'sandbox-error';
  detail?: {
    /** How the run ended. */
    status: ExecutionResult['status'];
    /** What the scorer printed (capped), for its author. */
    stdout?: string;
    stderr?: string;
  };
}

/** Run the task's scorer in the isolate. Throws only when `signal` aborts. */
export async function runCustomScorer(request: CustomScoreRequest): Promise<CustomScore> {
  const check = customCheckSchema.parse(request.check);
  const nonce = randomUUID();
  const marker = `\u0001sandbench-custom-result-${nonce}:`;
  const input = { answer: request.episode.answer ?? '', episode: request.episode, files: request.files };
  const timeoutMs = check.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let result: ExecutionResult;
  try {
    result = await request.isolate.run({
      language: 'javascript',
      source: check.code.replace(DEFAULT_EXPORT, `const ${SCORER_BINDING} =`),
      testCode: harness(marker, JSON.stringify(input)),
      limits: { timeoutMs, cpuTimeMs: timeoutMs, memoryBytes: check.memoryBytes ?? DEFAULT_MEMORY_BYTES, maxOutputBytes: MAX_OUTPUT_BYTES },
      ...(request.signal ? { signal: request.signal } : {}),
    });
  } catch (error) {
    if (request.signal?.aborted) throw error;
    if (SandboxError.isInstance(error)) return { scorer: 'custom', pass: false, score: 0, reason: `the sandbox failed running the custom scorer: ${errorMessage(error)}`, fault: 'sandbox-error' };
    throw error;
  }
  if (request.signal?.aborted) throw request.signal.reason ?? new Error('aborted');
  return interpret(result, marker, timeoutMs, check.memoryBytes ?? DEFAULT_MEMORY_BYTES);
}

/**
 * The harness, run after the scorer's module as its test code. It takes what it needs before
 * calling the scorer, reports once, and keeps only primitive fields of the result.
 */
function harness(marker: string, inputJson: string): string {
  return `
const __sandbenchReport = (() => {
  const print = console.log;
  const stringify = JSON.stringify;
  const marker = ${JSON.stringify(marker)};
  const input = JSON.parse(${JSON.stringify(inputJson)});
  const describe = (error) => {
    try {
      return error instanceof Error ? error.name + ': ' + error.message : String(error);
    } catch {
      return 'a value that cannot be printed';
    }
  };
  const field = (value, limit) => {
    if (typeof value === 'string') return value.length > limit ? value.slice(0, limit) + '…' : value;
    if (value === undefined || value === null || typeof value === 'boolean') return value;
    if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
    return { notJson: typeof value };
  };
  const report = (outcome) => print(marker + stringify(outcome));
  const settle = (value) => {
    try {
      if (typeof value !== 'object' || value === null) return report({ notObject: value === null ? 'null' : typeof value });
      const { pass, score, reason } = value;
      report({ value: { pass: field(pass, 0), score: field(score, 0), reason: field(reason, ${REASON_CHARS}) } });
    } catch (error) {
      report({ error: describe(error) });
    }
  };
  return () => {
    if (typeof ${SCORER_BINDING} !== 'function') return report({ notFunction: typeof ${SCORER_BINDING} });
    let returned;
    try {
      returned = ${SCORER_BINDING}(input);
    } catch (error) {
      return report({ error: describe(error) });
    }
    Promise.resolve(returned).then(settle, (error) => report({ error: describe(error) }));
  };
})();
__sandbenchReport();
`;
}

function failed(reason: string, result: ExecutionResult, stdout: string): CustomScore {
  return { scorer: 'custom', pass: false, score: 0, reason, detail: detailOf(result, stdout) };
}

function detailOf(result: ExecutionResult, stdout: string): NonNullable<CustomScore['detail']> {
  return {
    status: result.status,
    ...(stdout === '' ? {} : { stdout: cut(stdout) }),
    ...(result.stderr === '' ? {} : { stderr: cut(result.stderr) }),
  };
}

function cut(text: string): string {
  return text.length > KEPT_OUTPUT_CHARS ? `${text.slice(0, KEPT_OUTPUT_CHARS)}…` : text;
}

/** The component from the run: the harness's report when there is one, else how the run ended. */
function interpret(result: ExecutionResult, marker: string, timeoutMs: number, memoryBytes: number): CustomScore {
  const at = result.stdout.lastIndexOf(marker);
  const stdout = at >= 0 ? result.stdout.slice(0, at) : result.stdout;
  if (result.status === 'timeout') return failed(`the custom scorer ran past its time limit (${timeoutMs} ms)`, result, stdout);
  if (result.status === 'memory-limit') return failed(`the custom scorer ran out of memory (limit ${Math.round(memoryBytes / (1024 * 1024))} MiB)`, result, stdout);
  if (result.status === 'output-limit') return failed(`the custom scorer printed more than ${MAX_OUTPUT_BYTES} bytes`, result, stdout);
  if (at < 0) {
    if (result.status !== 'ok') {
      const why = result.message ?? result.stderr.trim().split('\n').at(-1) ?? '';
      return failed(`the custom scorer failed (${result.status}): ${why.slice(0, 500)}`, result, stdout);
    }
    return failed('the custom scorer ended without a result (a promise that never settled, or an exit before returning)', result, stdout);
  }
  const line = result.stdout.slice(at + marker.length).split('\n')[0]!;
  let report: z.infer<typeof harnessReportSchema>;
  try {
    report = harnessReportSchema.parse(JSON.parse(line));
  } catch (error) {
    return failed(`the custom scorer's result could not be read: ${errorMessage(error).slice(0, 200)}`, result, stdout);
  }
  if ('error' in report) return failed(`the custom scorer threw: ${report.error}`, result, stdout);
  if ('notFunction' in report) return failed(`the custom scorer's default export is ${report.notFunction}, not a function`, result, stdout);
  if ('notObject' in report) return failed(`the custom scorer returned ${report.notObject}, not { pass, score?, reason? }`, result, stdout);
  const parsed = customResultSchema.safeParse(report.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return failed(`the custom scorer returned a malformed result: ${issue.path.join('.')}: ${issue.message}`, result, stdout);
  }
  const { pass, score, reason } = parsed.data;
  if (result.status !== 'ok') {
    // It returned, then something failed (a later timer threw): its verdict is not to be trusted.
    const why = result.message ?? result.stderr.trim().split('\n').at(-1) ?? '';
    return failed(`the custom scorer failed after returning (${result.status}): ${why.slice(0, 500)}`, result, stdout);
  }
  return {
    scorer: 'custom',
    pass,
    score: score ?? (pass ? 1 : 0),
    reason: reason ?? `the custom scorer ${pass ? 'passed' : 'failed'} the answer`,
    detail: detailOf(result, stdout),
  };
}
