import type { Primordials } from './capture-primordials.ts';
import type { GuestUtf8 } from './guest-utf8.ts';

/**
 * Guest prelude module (see `guest-prelude.ts`): the one way out of the isolate for text.
 * Strings leave as Node would write them to a pipe — UTF-8, so a lone surrogate becomes U+FFFD —
 * and bytes (`process.stdout.write(uint8Array)`) are decoded per stream with what a previous
 * write left unfinished, as a reader of the pipe would see them. Once the host answers "stop"
 * (output cap reached, or exit requested) every later write throws.
 *
 * Self-contained (serialized with `.toString()`): only its parameters and ECMAScript syntax.
 */
export function guestOutput(p: Primordials, write: (stream: number, text: string) => number, getUtf8: () => GuestUtf8) {
  const { uncurry } = p;
  // Prototype methods, bound here, when the module is first used (not in every snapshot).
  const StringPrototypeToWellFormed = uncurry(p.StringPrototypeToWellFormed);

  /** Thrown to unwind the guest after `process.exit()`; never shown. */
  class ExitSignal {
    code: number;
    constructor(code: number) {
      this.code = code;
    }
  }

  let stopped = false;
  const decoders: Array<ReturnType<GuestUtf8['createDecoder']> | undefined> = [undefined, undefined, undefined];

  function send(stream: number, text: string): void {
    if (text.length === 0) return;
    if (write(stream, StringPrototypeToWellFormed(text)) !== 0) {
      stopped = true;
      throw new p.Error('output limit exceeded');
    }
  }

  /** Bytes a previous write left unfinished on `stream`, settled (one U+FFFD) before other text. */
  function settle(stream: number): void {
    const decoder = decoders[stream];
    if (decoder !== undefined && decoder.pending()) send(stream, decoder.end());
  }

  /** Write text to stream 1 (stdout) or 2 (stderr). */
  function emit(stream: number, text: string): void {
    if (stopped) throw new ExitSignal(0);
    settle(stream);
    send(stream, text);
  }

  /** Write bytes (decoded as UTF-8, an unfinished sequence kept for the next write). */
  function emitBytes(stream: number, bytes: Uint8Array): void {
    if (stopped) throw new ExitSignal(0);
    let decoder = decoders[stream];
    if (decoder === undefined) decoder = decoders[stream] = getUtf8().createDecoder();
    send(stream, decoder.decode(bytes));
  }

  /** At the end of the program: what is left unfinished on either stream is written. */
  function finish(): void {
    if (stopped) return;
    settle(1);
    settle(2);
  }

  return {
    ExitSignal,
    emit,
    emitBytes,
    finish,
    isStopped: () => stopped,
    stop: () => {
      stopped = true;
    },
  };
}

/** What `guestOutput` gives the other prelude modules. */
export type GuestOutput = ReturnType<typeof guestOutput>;
