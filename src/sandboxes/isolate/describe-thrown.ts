import { inspect } from 'node:util';
import { isHostFrame, redactHostPaths } from './redact-host-paths.ts';

/** The prefix the prelude puts on a thrown value it described inside the isolate (see `portable`). */
const THROWN_MARK = 'sandbench:thrown:';
/** File name of the prelude (and of the worker's own setup scripts) in stack traces. */
export const PRELUDE_FILENAME = 'sandbench:prelude';

/**
 * Render what the guest threw (copied out of the isolate) as Node would print it: `stderr` is the
 * text for the guest's stderr, `message` its `Uncaught …` headline. Frames of the prelude, of the
 * CommonJS wrapper's line 0 and of the host (the worker's own code, Node's internals: a host-side
 * error such as a failed module link carries them) are dropped, and any host path left in the
 * text is redacted.
 */
export function describeThrown(value: unknown, filename: string): { stderr: string; message: string } {
  let text: string | undefined;
  if (value instanceof Error && typeof value.message === 'string' && value.message.startsWith(THROWN_MARK)) {
    // Described inside the isolate (see `portable` in the prelude): Node's text for it.
    text = value.message.slice(THROWN_MARK.length);
  } else if (value instanceof Error) {
    text = String(value.stack ?? `${value.name}: ${value.message}`);
  }
  if (text !== undefined) {
    const kept: string[] = [];
    // The CommonJS wrapper's own call sits on line 0 of the program.
    const wrapperFrames = new Set([`    at ${filename}`, `    at ${filename}:0:1`]);
    for (const line of text.split('\n')) {
      if (line.includes('<isolated-vm boundary>')) break;
      if (line.includes(PRELUDE_FILENAME) || wrapperFrames.has(line) || isHostFrame(line)) continue;
      kept.push(line);
    }
    const headline = kept[0] ?? 'Error';
    const stderr = redactHostPaths(kept.join('\n'));
    const message = redactHostPaths(headline.startsWith('Uncaught ') ? headline : `Uncaught ${headline}`);
    return { stderr, message };
  }
  const shown = redactHostPaths(`Uncaught ${inspect(value)}`);
  return { stderr: shown, message: shown };
}
