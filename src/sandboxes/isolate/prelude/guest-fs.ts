import type { Primordials } from './capture-primordials.ts';
import type { GuestErrors } from './guest-errors.ts';
import type { GuestOutput } from './guest-output.ts';
import type { GuestUtf8 } from './guest-utf8.ts';
import type { StdinSource } from './guest-stdin.ts';

/**
 * Guest prelude module (see `guest-prelude.ts`): `require('fs')` without a filesystem — reading
 * stdin (`readFileSync(0)`, `'/dev/stdin'`, `'/proc/self/fd/0'`; a string, since the isolate has
 * no Buffer) and writing to fd 1 and 2 (strings or bytes, as Node writes them). Any other path
 * fails with Node's `ENOENT` (reading) or `EROFS` (writing) error.
 *
 * Self-contained (serialized with `.toString()`): only its parameters and ECMAScript syntax.
 */
export function guestFs(p: Primordials, output: GuestOutput, utf8: GuestUtf8, errors: GuestErrors, stdin: StdinSource) {
  const { ObjectDefineProperty, uncurry } = p;
  // Prototype methods, bound here, when the module is first used (not in every snapshot).
  const StringPrototypeCharCodeAt = uncurry(p.StringPrototypeCharCodeAt);
  const TypedArrayPrototypeGetLength = uncurry(p.TypedArrayPrototypeGetLength);

  const isStdin = (path: unknown) => path === 0 || path === '/dev/stdin' || path === '/proc/self/fd/0';
  function targetOf(target: unknown): number {
    if (target === 1 || target === '/dev/stdout' || target === '/proc/self/fd/1') return 1;
    if (target === 2 || target === '/dev/stderr' || target === '/proc/self/fd/2') return 2;
    return 0;
  }

  /** Node's system-call error: `ENOENT: no such file or directory, open 'x'` with its fields. */
  function systemError(code: string, errno: number, description: string, syscall: string, path?: unknown, from?: Function): Error {
    const error = new p.Error(`${code}: ${description}, ${syscall}${path === undefined ? '' : ` '${path as string}'`}`);
    const set = (key: string, value: unknown) => ObjectDefineProperty(error, key, { value, writable: true, enumerable: true, configurable: true });
    set('errno', errno);
    set('code', code);
    set('syscall', syscall);
    if (path !== undefined) set('path', `${path as string}`);
    if (from !== undefined) p.ErrorCaptureStackTrace(error, from);
    return error;
  }

  /** Bytes UTF-8 takes for a string (what `writeSync` reports). */
  function utf8Length(text: string): number {
    let length = 0;
    for (let index = 0; index < text.length; index++) {
      const code = StringPrototypeCharCodeAt(text, index);
      if (code < 0x80) length += 1;
      else if (code < 0x800) length += 2;
      else if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
        const next = StringPrototypeCharCodeAt(text, index + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          length += 4;
          index++;
        } else length += 3;
      } else length += 3;
    }
    return length;
  }

  function writeData(stream: number, data: unknown, from: Function): number {
    if (typeof data === 'string') {
      output.emit(stream, data);
      return utf8Length(data);
    }
    const bytes = utf8.bytesOf(data);
    if (bytes === undefined) {
      throw errors.invalidArgType('buffer', 'of type string or an instance of Buffer, TypedArray, or DataView', data, from);
    }
    output.emitBytes(stream, bytes);
    return TypedArrayPrototypeGetLength(bytes);
  }

  const fs = {
    readFileSync(path: unknown, _options?: unknown): string {
      if (!isStdin(path)) throw systemError('ENOENT', -2, 'no such file or directory', 'open', path, fs.readFileSync);
      // Node hands back a Buffer without an encoding; a string serves `.toString()`, `+ ''`, `.split()`.
      return stdin.take();
    },
    existsSync(path: unknown): boolean {
      return path === '/dev/stdin' || path === '/dev/stdout' || path === '/dev/stderr' || path === '/proc/self/fd/0';
    },
    writeSync(fd: unknown, data: unknown): number {
      const stream = targetOf(fd);
      if (stream === 0 || typeof fd !== 'number') throw systemError('EBADF', -9, 'bad file descriptor', 'write', undefined, fs.writeSync);
      return writeData(stream, data, fs.writeSync);
    },
    writeFileSync(path: unknown, data: unknown): void {
      const stream = targetOf(path);
      if (stream === 0) throw systemError('EROFS', -30, 'read-only file system', 'open', path, fs.writeFileSync);
      writeData(stream, data, fs.writeFileSync);
    },
  };
  return fs;
}
