import type { Primordials } from './capture-primordials.ts';

/**
 * Guest prelude module (see `guest-prelude.ts`): UTF-8 to text exactly as Node decodes it (the
 * WHATWG decoder V8 and `Buffer#toString` use): every maximal invalid subsequence — a lone
 * continuation byte, a truncated sequence, an overlong form, an encoded surrogate, a code point
 * past U+10FFFF — becomes one U+FFFD, never an exception. A decoder keeps a sequence cut at the
 * end of one chunk for the next, as bytes written in pieces to a pipe are read back whole.
 *
 * Self-contained (serialized with `.toString()`): only its parameters and ECMAScript syntax.
 */
export function guestUtf8(p: Primordials) {
  const { ReflectApply, StringFromCharCode, uncurry } = p;
  // Prototype methods, bound here, when the module is first used (not in every snapshot).
  const ArrayPrototypePush = uncurry(p.ArrayPrototypePush);
  const DataViewPrototypeGetBuffer = uncurry(p.DataViewPrototypeGetBuffer);
  const DataViewPrototypeGetByteLength = uncurry(p.DataViewPrototypeGetByteLength);
  const DataViewPrototypeGetByteOffset = uncurry(p.DataViewPrototypeGetByteOffset);
  const TypedArrayPrototypeGetBuffer = uncurry(p.TypedArrayPrototypeGetBuffer);
  const TypedArrayPrototypeGetByteLength = uncurry(p.TypedArrayPrototypeGetByteLength);
  const TypedArrayPrototypeGetByteOffset = uncurry(p.TypedArrayPrototypeGetByteOffset);
  const TypedArrayPrototypeGetSymbolToStringTag = uncurry(p.TypedArrayPrototypeGetSymbolToStringTag);
  const REPLACEMENT = 0xfffd;
  /** Code units collected before they become a string (an argument list V8 takes at once). */
  const CHUNK_UNITS = 4096;

  /** A stateful decoder: `decode(bytes)` keeps an unfinished sequence, `end()` settles it. */
  function createDecoder() {
    let codePoint = 0;
    let needed = 0;
    let seen = 0;
    let lower = 0x80;
    let upper = 0xbf;
    /** Replacements made for invalid input so far (a fatal TextDecoder throws on any). */
    let invalid = 0;

    function decode(bytes: ArrayLike<number>): string {
      let text = '';
      const units: number[] = [];
      const push = (unit: number) => {
        ArrayPrototypePush(units, unit);
        if (units.length >= CHUNK_UNITS) {
          text += ReflectApply(StringFromCharCode, undefined, units) as string;
          units.length = 0;
        }
      };
      const pushCodePoint = (point: number) => {
        if (point > 0xffff) {
          const offset = point - 0x10000;
          push(0xd800 + (offset >> 10));
          push(0xdc00 + (offset & 0x3ff));
        } else {
          push(point);
        }
      };
      for (let index = 0; index < bytes.length; ) {
        const byte = bytes[index] as number;
        if (needed === 0) {
          index++;
          if (byte <= 0x7f) push(byte);
          else if (byte >= 0xc2 && byte <= 0xdf) {
            needed = 1;
            codePoint = byte & 0x1f;
          } else if (byte >= 0xe0 && byte <= 0xef) {
            // E0 must not start an overlong form, ED must not encode a surrogate.
            if (byte === 0xe0) lower = 0xa0;
            if (byte === 0xed) upper = 0x9f;
            needed = 2;
            codePoint = byte & 0x0f;
          } else if (byte >= 0xf0 && byte <= 0xf4) {
            // F0 must not start an overlong form, F4 must stay within U+10FFFF.
            if (byte === 0xf0) lower = 0x90;
            if (byte === 0xf4) upper = 0x8f;
            needed = 3;
            codePoint = byte & 0x07;
          } else {
            invalid++;
            push(REPLACEMENT);
          }
          continue;
        }
        if (byte < lower || byte > upper) {
          // The sequence so far is one replacement; this byte starts afresh (not consumed).
          codePoint = 0;
          needed = 0;
          seen = 0;
          lower = 0x80;
          upper = 0xbf;
          invalid++;
          push(REPLACEMENT);
          continue;
        }
        index++;
        lower = 0x80;
        upper = 0xbf;
        codePoint = (codePoint << 6) | (byte & 0x3f);
        seen++;
        if (seen === needed) {
          pushCodePoint(codePoint);
          codePoint = 0;
          needed = 0;
          seen = 0;
        }
      }
      if (units.length > 0) text += ReflectApply(StringFromCharCode, undefined, units) as string;
      return text;
    }

    /** What an unfinished sequence at the very end becomes: one U+FFFD (or nothing). */
    function end(): string {
      if (needed === 0) return '';
      codePoint = 0;
      needed = 0;
      seen = 0;
      lower = 0x80;
      upper = 0xbf;
      invalid++;
      return StringFromCharCode(REPLACEMENT);
    }

    return { decode, end, pending: () => needed !== 0, invalid: () => invalid };
  }

  /** Bytes decoded on their own: a sequence cut at the end is replaced. */
  function decode(bytes: ArrayLike<number>): string {
    const decoder = createDecoder();
    return decoder.decode(bytes) + decoder.end();
  }

  /**
   * The bytes behind a Uint8Array, other typed array, DataView or ArrayBuffer (what Node writes
   * for them), or undefined for anything else.
   */
  function bytesOf(value: unknown): Uint8Array | undefined {
    if (value === null || typeof value !== 'object') return undefined;
    if (p.ArrayBufferIsView(value)) {
      if (TypedArrayPrototypeGetSymbolToStringTag(value) !== undefined) {
        return new p.Uint8Array(
          TypedArrayPrototypeGetBuffer(value),
          TypedArrayPrototypeGetByteOffset(value),
          TypedArrayPrototypeGetByteLength(value),
        );
      }
      return new p.Uint8Array(DataViewPrototypeGetBuffer(value), DataViewPrototypeGetByteOffset(value), DataViewPrototypeGetByteLength(value));
    }
    return undefined;
  }

  return { createDecoder, decode, bytesOf };
}

/** What `guestUtf8` gives the other prelude modules. */
export type GuestUtf8 = ReturnType<typeof guestUtf8>;
