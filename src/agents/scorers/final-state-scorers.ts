import type { z } from 'zod';
import { errorMessage, SandboxError } from '../../errors/sandbench-error.ts';
import type { ExecutionResult } from '../../schemas/execution-result.ts';
import type { SandboxSession } from '../../sandboxes/sandbox.ts';
import { compareOutput, type ComparisonResult } from '../../scoring/compare-output.ts';
import { DEFAULT_SCORER_FILE_BYTES, readSessionTexts } from './read-session-files.ts';
import { commandCheckSchema, fileCheckSchema } from './scorer-schema.ts';

/**
 * Final-state scorers: they look at the episode's sandbox after the episode. `file` reads one
 * work-directory file through the session; `command` runs a checker with `bash -c` in the work
 * directory (exit 0 passes). The sandbox's content is the agent's: comparisons are bounded (the
 * regex under the comparator's deadline, reads capped), and an engine fault (`SandboxError`) is
 * a `sandbox-error` fault of the component, never a failed sample.
 */

/** Default limits of a checker command. */
const DEFAULT_COMMAND_TIMEOUT_MS = 30_000;
const DEFAULT_COMMAND_OUTPUT_BYTES = 64 * 1024;
/** Characters of a checker's output kept in the detail (its end: where test runners summarise). */
const KEPT_OUTPUT_CHARS = 2_000;

/** What a final-state scorer made of the sandbox. */
export interface FinalStateScore {
  scorer: 'file' | 'command';
  pass: boolean;
  /** 1 or 0. */
  score: number;
  /** What was found (the file's difference, the checker's exit and last line). */
  reason: string;
  /** Set when the sandbox engine failed: the sample is not scored. */
  fault?: 'sandbox-error';
  /** Commands: status, exit code, duration, the ends of stdout and stderr. Files: the bytes read. */
  detail?: Record<string, unknown>;
}

function verdict(scorer: FinalStateScore['scorer'], pass: boolean, reason: string, detail?: Record<string, unknown>): FinalStateScore {
  return { scorer, pass, score: pass ? 1 : 0, reason, ...(detail ? { detail } : {}) };
}

function sandboxFault(scorer: FinalStateScore['scorer'], error: SandboxError): FinalStateScore {
  return { scorer, pass: false, score: 0, reason: `the sandbox failed: ${errorMessage(error)}`, fault: 'sandbox-error' };
}

/** Whether a read error still means the file is there (it is only larger than the cap). */
function isTooLarge(error: string): boolean {
  return /too large/i.test(error);
}

/** Drops one final newline (`\n` or `\r\n`): files written by `echo` end with one, expectations in YAML often do not. */
function withoutFinalNewline(text: string): string {
  return text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
}

/**
 * Check one file of the session's work directory: `exists` (a regular file, not a link; a file
 * over the read cap exists), `equals` (exact, but for one final newline), `contains`, `regex`
 * (the whole text less one final newline, anchored, under a deadline). Throws only for an
 * invalid check or when `signal` aborted.
 */
export async function scoreFile(input: z.input<typeof fileCheckSchema>, session: SandboxSession, signal?: AbortSignal): Promise<FinalStateScore> {
  const check = fileCheckSchema.parse(input);
  let entry;
  try {
    [entry] = await readSessionTexts(session, [check.path], check.maxBytes ?? DEFAULT_SCORER_FILE_BYTES);
  } catch (error) {
    if (signal?.aborted) throw error;
    if (SandboxError.isInstance(error) && error.code !== 'unsupported') return sandboxFault('file', error);
    throw error;
  }
  signal?.throwIfAborted();
  const { path } = check;
  if (entry === undefined) return verdict('file', false, `${path}: the session returned nothing`);
  if (check.exists !== undefined) {
    const present = 'text' in entry || isTooLarge(entry.error);
    const why = 'error' in entry ? ` (${entry.error})` : '';
    return check.exists
      ? verdict('file', present, present ? `${path} exists` : `${path} does not exist or is not a regular file${why}`)
      : verdict('file', !present, present ? `${path} exists, and should not` : `${path} does not exist${why}`);
  }
  if ('error' in entry) return verdict('file', false, `${path}: cannot read it: ${entry.error}`);
  const text = entry.text;
  let comparison: ComparisonResult;
  let what: string;
  if (check.equals !== undefined) {
    comparison = compareOutput(withoutFinalNewline(text), withoutFinalNewline(check.equals), 'exact');
    what = 'has the expected content';
  } else if (check.contains !== undefined) {
    comparison = compareOutput(text, check.contains, 'contains');
    what = 'contains the expected text';
  } else {
    comparison = compareOutput(text, check.regex!, { type: 'regex', flags: check.flags ?? '' });
    what = `matches /${check.regex}/${check.flags ?? ''}`;
  }
  return verdict('file', comparison.passed, comparison.passed ? `${path} ${what}` : `${path}: ${(comparison.reason ?? 'differs').replace(/^output /, 'the file ')}`, { bytes: Buffer.byteLength(text) });
}

/** The end of a text, for the detail. */
function tail(text: string): string {
  return text.length > KEPT_OUTPUT_CHARS ? `…${text.slice(-KEPT_OUTPUT_CHARS)}` : text;
}

/** The last non-empty line of a checker's output, for the reason. */
function lastLine(result: ExecutionResult): string {
  const line = `${result.stdout}\n${result.stderr}`.trim().split('\n').filter((piece) => piece.trim() !== '').at(-1) ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/**
 * Run a checker command with `bash -c` in the session's work directory; it passes when it exits
 * 0 within its limits. Throws only for an invalid check, a session that cannot run commands, or
 * when `signal` aborted.
 */
export async function scoreCommand(input: z.input<typeof commandCheckSchema>, session: SandboxSession, signal?: AbortSignal): Promise<FinalStateScore> {
  const check = commandCheckSchema.parse(input);
  if (session.runCommand === undefined) {
    throw new SandboxError(`the ${session.backend} session cannot run commands, which a command scorer needs`, { code: 'unsupported', details: { backend: session.backend } });
  }
  const timeoutMs = check.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
  let result: ExecutionResult;
  try {
    result = await session.runCommand({
      argv: ['bash', '-c', check.run],
      limits: { timeoutMs, cpuTimeMs: timeoutMs, maxOutputBytes: check.maxOutputBytes ?? DEFAULT_COMMAND_OUTPUT_BYTES },
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    if (SandboxError.isInstance(error)) return sandboxFault('command', error);
    throw error;
  }
  // A command cut by the caller's cancel says nothing about the agent's work.
  signal?.throwIfAborted();
  const detail = {
    status: result.status,
    exitCode: result.exitCode,
    durationMs: result.durationMs,
    stdout: tail(result.stdout),
    stderr: tail(result.stderr),
    ...(result.stdoutTruncated || result.stderrTruncated ? { truncated: true } : {}),
  };
  if (result.status === 'ok' && result.exitCode === 0) return verdict('command', true, 'exit 0', detail);
  const last = lastLine(result);
  const how =
    result.status === 'timeout'
      ? `ran past its time limit (${timeoutMs} ms)`
      : result.status === 'output-limit'
        ? 'printed more than its output cap'
        : result.status === 'memory-limit'
          ? 'ran out of memory'
          : `exit ${result.exitCode ?? result.signal ?? result.status}`;
  return verdict('command', false, `${how}${last ? `: ${last}` : ''}`, detail);
}
