import type { Primordials } from './capture-primordials.ts';
import type { GuestEvents } from './guest-events.ts';

/** The request's stdin, read once: `take()` hands it out and marks it consumed. */
export interface StdinSource {
  take(): string;
  consumed(): boolean;
}

/**
 * Guest prelude module (see `guest-prelude.ts`): `process.stdin`, a readable stream over the
 * request's stdin (which arrives whole): a listener for `data`, `readable`, `end` or `close`, or
 * `resume()`, schedules one `data` chunk (a string: the isolate has no Buffer) then `end` and
 * `close`; `read()` and `for await` take the text directly.
 *
 * Self-contained (serialized with `.toString()`): only its parameters and ECMAScript syntax.
 */
export function guestStdin(
  p: Primordials,
  events: GuestEvents,
  schedule: (callback: () => void) => void,
  source: StdinSource,
) {
  let started = false;

  class ReadStream extends events.EventEmitter {
    setEncoding(_encoding?: string): this {
      return this;
    }
    resume(): this {
      start();
      return this;
    }
    pause(): this {
      return this;
    }
    read(): string | null {
      if (source.consumed()) return null;
      const text = source.take();
      return text === '' ? null : text;
    }
    async *[p.SymbolAsyncIterator](): AsyncGenerator<string> {
      started = true;
      if (!source.consumed()) {
        const text = source.take();
        if (text.length > 0) yield text;
      }
    }
  }
  const stream = new ReadStream();
  p.ObjectDefineProperty(stream, 'fd', { value: 0, writable: true, enumerable: true, configurable: true });

  function start(): void {
    if (started) return;
    started = true;
    schedule(() => {
      if (!source.consumed()) {
        const text = source.take();
        if (text.length > 0) {
          stream.emit('readable');
          stream.emit('data', text);
        }
      }
      stream.emit('end');
      stream.emit('close');
    });
  }
  events.watch(stream, (event) => {
    if (event === 'data' || event === 'end' || event === 'readable' || event === 'close') start();
  });
  return stream;
}
