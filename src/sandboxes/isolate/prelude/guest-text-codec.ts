import type { Primordials } from './capture-primordials.ts';
import type { GuestErrors } from './guest-errors.ts';
import type { GuestUtf8 } from './guest-utf8.ts';

/**
 * Guest prelude module (see `guest-prelude.ts`): UTF-8 `TextEncoder` and `TextDecoder` (global,
 * and in `util`), the way a program turns bytes into text without Buffer: invalid input decodes
 * to U+FFFD exactly as in Node (or throws Node's `ERR_ENCODING_INVALID_ENCODED_DATA` when
 * `fatal`), a leading BOM is dropped unless `ignoreBOM`, `stream: true` keeps a cut sequence.
 *
 * Self-contained (serialized with `.toString()`): only its parameters and ECMAScript syntax.
 */
export function guestTextCodec(p: Primordials, utf8: GuestUtf8, errors: GuestErrors) {
  const { ObjectDefineProperty, uncurry } = p;
  // Prototype methods, bound here, when the module is first used (not in every snapshot).
  const ArrayPrototypeIndexOf = uncurry(p.ArrayPrototypeIndexOf);
  const ArrayPrototypePush = uncurry(p.ArrayPrototypePush);
  const StringPrototypeCharCodeAt = uncurry(p.StringPrototypeCharCodeAt);
  const StringPrototypeSlice = uncurry(p.StringPrototypeSlice);
  const StringPrototypeToLowerCase = uncurry(p.StringPrototypeToLowerCase);
  const TypedArrayPrototypeGetLength = uncurry(p.TypedArrayPrototypeGetLength);
  const WeakMapPrototypeGet = uncurry(p.WeakMapPrototypeGet);
  const WeakMapPrototypeSet = uncurry(p.WeakMapPrototypeSet);
  const LABELS = ['utf-8', 'utf8', 'unicode-1-1-utf-8'];

  function encode(text: string): Uint8Array {
    const bytes: number[] = [];
    for (let index = 0; index < text.length; index++) {
      let code = StringPrototypeCharCodeAt(text, index);
      if (code >= 0xd800 && code <= 0xdfff) {
        const next = index + 1 < text.length ? StringPrototypeCharCodeAt(text, index + 1) : 0;
        if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          code = 0x10000 + ((code - 0xd800) << 10) + (next - 0xdc00);
          index++;
        } else {
          // A lone surrogate is encoded as U+FFFD.
          code = 0xfffd;
        }
      }
      if (code < 0x80) ArrayPrototypePush(bytes, code);
      else if (code < 0x800) ArrayPrototypePush(bytes, 0xc0 | (code >> 6), 0x80 | (code & 0x3f));
      else if (code < 0x10000) ArrayPrototypePush(bytes, 0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
      else ArrayPrototypePush(bytes, 0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    }
    return new p.Uint8Array(bytes);
  }

  class TextEncoder {
    declare encoding: string;
    constructor() {
      ObjectDefineProperty(this, 'encoding', { value: 'utf-8', enumerable: true, configurable: true });
    }
    encode(input: unknown = ''): Uint8Array {
      return encode(`${input as string}`);
    }
    encodeInto(input: unknown, destination: Uint8Array): { read: number; written: number } {
      const text = `${input as string}`;
      const room = TypedArrayPrototypeGetLength(destination);
      let read = 0;
      let written = 0;
      while (read < text.length) {
        const code = StringPrototypeCharCodeAt(text, read);
        const pair = code >= 0xd800 && code <= 0xdbff && read + 1 < text.length && (StringPrototypeCharCodeAt(text, read + 1) & 0xfc00) === 0xdc00;
        const bytes = encode(StringPrototypeSlice(text, read, read + (pair ? 2 : 1)));
        const length = TypedArrayPrototypeGetLength(bytes);
        if (written + length > room) break;
        for (let index = 0; index < length; index++) destination[written + index] = bytes[index] as number;
        written += length;
        read += pair ? 2 : 1;
      }
      return { read, written };
    }
  }

  interface DecoderState {
    fatal: boolean;
    ignoreBOM: boolean;
    decoder: ReturnType<GuestUtf8['createDecoder']>;
    atStart: boolean;
  }
  const states: WeakMap<object, DecoderState> = new p.WeakMap();

  class TextDecoder {
    declare encoding: string;
    declare fatal: boolean;
    declare ignoreBOM: boolean;
    constructor(label: unknown = 'utf-8', options?: { fatal?: unknown; ignoreBOM?: unknown }) {
      const name = StringPrototypeToLowerCase(`${label as string}`);
      if (ArrayPrototypeIndexOf(LABELS, name) === -1) {
        throw errors.coded(p.RangeError, 'ERR_ENCODING_NOT_SUPPORTED', `The "${label as string}" encoding is not supported`);
      }
      const fatal = options !== undefined && options !== null && Boolean(options.fatal);
      const ignoreBOM = options !== undefined && options !== null && Boolean(options.ignoreBOM);
      ObjectDefineProperty(this, 'encoding', { value: 'utf-8', enumerable: true, configurable: true });
      ObjectDefineProperty(this, 'fatal', { value: fatal, enumerable: true, configurable: true });
      ObjectDefineProperty(this, 'ignoreBOM', { value: ignoreBOM, enumerable: true, configurable: true });
      WeakMapPrototypeSet(states, this, { fatal, ignoreBOM, decoder: utf8.createDecoder(), atStart: true });
    }
    decode(input?: unknown, options?: { stream?: unknown }): string {
      const state = WeakMapPrototypeGet(states, this) as DecoderState | undefined;
      if (state === undefined) throw new p.TypeError('Illegal invocation');
      let bytes: Uint8Array;
      if (input === undefined) bytes = new p.Uint8Array(0);
      else {
        const view = utf8.bytesOf(input);
        if (view !== undefined) bytes = view;
        else {
          try {
            bytes = new p.Uint8Array(input as ArrayBuffer);
          } catch {
            throw errors.invalidArgType('input', 'an instance of ArrayBuffer or ArrayBufferView', input, TextDecoder.prototype.decode);
          }
        }
      }
      const stream = options !== undefined && options !== null && Boolean(options.stream);
      const invalidBefore = state.decoder.invalid();
      let text = state.decoder.decode(bytes);
      if (!stream) text += state.decoder.end();
      if (state.fatal && state.decoder.invalid() !== invalidBefore) {
        state.decoder = utf8.createDecoder();
        state.atStart = true;
        throw errors.coded(p.TypeError, 'ERR_ENCODING_INVALID_ENCODED_DATA', 'The encoded data was not valid for encoding utf-8');
      }
      if (state.atStart && text.length > 0) {
        if (!state.ignoreBOM && StringPrototypeCharCodeAt(text, 0) === 0xfeff) text = StringPrototypeSlice(text, 1);
        state.atStart = false;
      }
      if (!stream) state.atStart = true;
      return text;
    }
  }

  return { TextEncoder, TextDecoder };
}
