/**
 * The guest prelude: everything a guest program sees beyond bare ECMAScript. It runs INSIDE the
 * isolate, before the program. It is written as modules (`prelude/*.ts`, one concern each, each a
 * self-contained function) and joined here into ONE script: the worker compiles
 * `(${preludeSource(form)})` and calls it with `(write, control, readStdin, filename, hooks)`.
 *
 * It installs: `console` (Node-like formatting), timers (`setTimeout`, `setInterval`,
 * `setImmediate`, `queueMicrotask`) on a guest-side queue that the worker drains, a small
 * `process` shim (stdout/stderr/stdin/argv/env/exit/nextTick/hrtime), `TextEncoder` and
 * `TextDecoder`, and the guest-side `require` serving only built-in guest modules: `assert`
 * (+ `assert/strict`), a stdin-only `fs`, `readline` (+ `readline/promises`) over stdin, `util`
 * and `events`. Every built-in the prelude calls is captured before any guest code runs
 * (`prelude/capture-primordials.ts`), so a guest that replaces `Object.is` or
 * `Array.prototype.push` cannot change what assert, inspect, console, timers or events compute.
 *
 * Host functions it receives take and return primitives only:
 * - `write(stream, text)`: stream 1 = stdout, 2 = stderr; returns 0 to go on, 1 when the guest
 *   must stop (output cap reached, or exit requested);
 * - `control(kind, value)`: kind 0 = `process.exit(value)`, kind 1 = `process.exitCode = value`;
 * - `readStdin()`: the request's stdin, fetched only when the guest reads it;
 * - `hooks.readPackage(name)` (optional): the source of an npm package the guest may `require`
 *   (see `guest-packages.ts`), '' for any other name; fetched on the guest's first `require`.
 *
 * The worker runs this once, inside a V8 startup snapshot it makes itself (see `SNAPSHOT_SCRIPT`
 * in the worker), with forwarding stubs for the host functions; `hooks.rebase` (set here) restarts
 * the guest clock (`performance`, `process.hrtime`/`uptime`) when a run binds the real ones.
 *
 * It returns the `tick(runDue)` function the worker calls after evaluation. `tick(false)` only
 * looks: milliseconds until the next timer is due (0: one is due now; -1: the queue is empty),
 * running no guest code, so the worker may call it synchronously. `tick(true)` runs the due
 * timer, if any.
 */
import { compactScript } from './compact-script.ts';
import { capturePrimordials } from './prelude/capture-primordials.ts';
import { guestAssert } from './prelude/guest-assert.ts';
import { guestAssertionError } from './prelude/guest-assertion-error.ts';
import { guestConsole } from './prelude/guest-console.ts';
import { guestDeepEqual } from './prelude/guest-deep-equal.ts';
import { guestErrors } from './prelude/guest-errors.ts';
import { guestEvents } from './prelude/guest-events.ts';
import { guestFormat } from './prelude/guest-format.ts';
import { guestFs } from './prelude/guest-fs.ts';
import { guestInspect } from './prelude/guest-inspect.ts';
import { guestOutput } from './prelude/guest-output.ts';
import { guestProcess } from './prelude/guest-process.ts';
import { guestReadline } from './prelude/guest-readline.ts';
import { guestStdin } from './prelude/guest-stdin.ts';
import { guestTextCodec } from './prelude/guest-text-codec.ts';
import { guestTimers } from './prelude/guest-timers.ts';
import { guestTypes } from './prelude/guest-types.ts';
import { guestUtf8 } from './prelude/guest-utf8.ts';
import { guestUtil } from './prelude/guest-util.ts';
import { installGuestRuntime, type GuestModules } from './prelude/install-guest-runtime.ts';

/** The signature the worker calls the prelude with (see the header). */
export type GuestPrelude = (
  write: (stream: number, text: string) => number,
  control: (kind: number, value: number) => void,
  readStdin: () => string,
  filename: string,
  hooks?: { rebase?: () => void; readPackage?: (name: string) => string },
) => (runDue: unknown) => number;

/** Every prelude module, by the name the joined script gives it. */
export const GUEST_MODULES: GuestModules = {
  capturePrimordials,
  guestAssert,
  guestAssertionError,
  guestConsole,
  guestDeepEqual,
  guestErrors,
  guestEvents,
  guestFormat,
  guestFs,
  guestInspect,
  guestOutput,
  guestProcess,
  guestReadline,
  guestStdin,
  guestTextCodec,
  guestTimers,
  guestTypes,
  guestUtf8,
  guestUtil,
};

/** How the prelude's source is written out: compacted, or as the modules' own text. */
export type PreludeForm = 'compact' | 'as-written';

const sources: Partial<Record<PreludeForm, string>> = {};

/**
 * The prelude as one function's source text: each module's own source (it references nothing
 * outside itself), handed to the runtime installer in one object. Strict mode covers it all.
 * ASCII only (one byte per character in V8). `compact` (comments and needless blanks removed)
 * is for a worker's snapshot, which every isolate deserializes; it costs ~30 ms of a worker's
 * start-up to make, so a worker that runs one program takes the text `as-written`. Made on first
 * use, once per form.
 */
export function preludeSource(form: PreludeForm): string {
  const known = sources[form];
  if (known !== undefined) return known;
  const text = [
    'function guestPrelude(write, control, readStdin, filename, hooks) {',
    "  'use strict';",
    '  const modules = {',
    ...Object.entries(GUEST_MODULES).map(([name, module]) => `    ${name}: ${module.toString()},`),
    '  };',
    `  return (${installGuestRuntime.toString()})(modules, write, control, readStdin, filename, hooks);`,
    '}',
  ].join('\n');
  const source = oneByte(form === 'compact' ? compactScript(text) : text);
  sources[form] = source;
  return source;
}

/**
 * The same program as ASCII in a one-byte string. Any other character (a transpiler may turn the
 * modules' `\u2502` escapes back into characters) is written as a `\uXXXX` escape, which means
 * the same in a string, template or regular expression (and is plain text in a comment). And V8 keeps
 * a string two bytes per character once any part it was built from was, which isolated-vm copies
 * into the isolate as is: a one-byte copy halves what the snapshot carries (measured).
 */
function oneByte(text: string): string {
  const ascii = text.replace(/[^\x00-\x7f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return Buffer.from(ascii, 'latin1').toString('latin1');
}
