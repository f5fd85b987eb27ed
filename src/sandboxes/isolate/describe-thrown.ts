import { inspect } from 'node:util';

/** The prefix the prelude puts on a thrown value it described inside the isolate (see `portable`). */
const THROWN_MARK = 'sandbench:thrown:';
/** File name of the prelude (and of the worker's own setup scripts) in stack traces. */
export const PRELUDE_FILENAME = 'sandbench:prelude';

/**
 * Render what the guest threw (copied out of the isolate) as Node would print it: `stderr` is the
 * text for the guest's stderr, `message` its `Uncaught …` headline. Frames of the prelude, of the
 * CommonJS wrapper's line 0 are dropped, and nothing past isolated-vm's boundary is kept.
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
      if (line.includes(PRELUDE_FILENAME) || wrapperFrames.has(line)) continue;
      kept.push(line);
    }
    const headline = kept[0] ?? 'Error';
    return { stderr: kept.join('\n'), message: headline.startsWith('Uncaught ') ? headline : `Uncaught ${headline}` };
  }
  const shown = `Uncaught ${inspect(value)}`;
  return { stderr: shown, message: shown };
}
