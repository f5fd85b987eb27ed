import type { ExecutionResult } from '../schemas/execution-result.ts';
import type { ToolCallStatus } from './episode.ts';

/** What a tool call produced, before it goes back to the model. */
export interface ToolOutcome {
  status: ToolCallStatus;
  /** The text for the model (not yet capped). */
  output: string;
  /** The sandbox already cut the output at its own limit. */
  truncated?: boolean;
  exitCode?: number | null;
}

/**
 * `text` cut to at most `maxBytes` bytes of UTF-8 (never inside a character), with a last line
 * saying how much was left out, so the model knows it saw a part.
 */
export function capToolOutput(text: string, maxBytes: number, alreadyTruncated = false): { output: string; truncated: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) {
    return alreadyTruncated ? { output: `${text}\n[output truncated: the sandbox stopped capturing at its output limit]`, truncated: true } : { output: text, truncated: false };
  }
  let end = maxBytes;
  // Back up to the start of a UTF-8 character (continuation bytes are 10xxxxxx).
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  const kept = bytes.subarray(0, end).toString('utf8');
  return { output: `${kept}\n[output truncated: ${end} of ${bytes.length}${alreadyTruncated ? '+' : ''} bytes shown]`, truncated: true };
}

/** The tool-call status of an execution's status. */
function statusOf(result: ExecutionResult): ToolCallStatus {
  switch (result.status) {
    case 'ok':
      return 'ok';
    case 'timeout':
    case 'output-limit':
    case 'memory-limit':
      return result.status;
    default:
      return 'error';
  }
}

/**
 * A command's result as the model reads it: its output alone when it succeeded quietly;
 * otherwise the status, exit code and message first, then stdout and stderr, each labelled.
 */
export function commandOutcome(result: ExecutionResult): ToolOutcome {
  const status = statusOf(result);
  const truncated = result.stdoutTruncated || result.stderrTruncated;
  if (status === 'ok' && result.stderr === '') {
    return { status, output: result.stdout === '' ? '(no output)' : result.stdout, truncated, exitCode: result.exitCode };
  }
  const head =
    status === 'ok'
      ? `exit code ${result.exitCode ?? 0}`
      : `status: ${result.status}${result.exitCode === null ? '' : `, exit code ${result.exitCode}`}${result.message ? ` (${result.message})` : ''}`;
  const parts = [head];
  if (result.stdout !== '') parts.push(`--- stdout ---\n${result.stdout}`);
  if (result.stderr !== '') parts.push(`--- stderr ---\n${result.stderr}`);
  return { status, output: parts.join('\n'), truncated, exitCode: result.exitCode };
}
