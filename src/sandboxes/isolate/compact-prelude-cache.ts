/**
 * The compacted guest prelude, made once per machine rather than once per worker: compacting the
 * ~200 KB prelude costs ~30 ms of a worker's start-up, and every CLI run starts its workers
 * afresh. The text is kept in the OS temp folder, in a folder of this user's own (mode 0700,
 * checked), beside exactly what it was made from (the compactor's source and the prelude as
 * written), which a reader compares with its own: a cached text is used only for the very same
 * inputs, with no hashing (`node:crypto` alone would cost a worker ~15 ms to load). Written
 * atomically (a private temporary file, then a rename), so a reader sees a whole file or none.
 * Anything unusual (a folder owned by someone else or open to them, a read-only temp folder, a
 * file that does not match) falls back to compacting in memory, and to rewriting the file.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactScript } from './compact-script.ts';
import { preludeSource } from './guest-prelude.ts';

/** First line of a cache file: this tag, then the lengths of the three parts that follow it. */
const TAG = 'sandbench compact prelude 1';
/** Cache files of other prelude versions untouched this long are removed when a new one is written. */
const STALE_MS = 7 * 24 * 60 * 60 * 1000;

export interface CompactPreludeOptions {
  /** The cache folder; default `<OS temp folder>/sandbench-<uid>`. Made if missing (its parent must exist). */
  directory?: string;
}

/**
 * The prelude's source in its compact form (as `preludeSource('compact')`), from the cache when it
 * holds it for these exact inputs, else made and cached. Reads the folder on every call (a worker
 * calls it once).
 */
export function compactPreludeSource(options: CompactPreludeOptions = {}): string {
  const directory = options.directory ?? join(tmpdir(), `sandbench-${process.getuid?.() ?? 'user'}`);
  // As ASCII, like the prelude: the file is read back one byte per character.
  const compactor = compactScript.toString().replace(/[^\x00-\x7f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const asWritten = preludeSource('as-written');
  // Only a name: two versions that share it take turns (each finds the other's inputs and rewrites).
  const file = join(directory, `prelude-${asWritten.length}-${compactor.length}-${sparseFingerprint(asWritten)}.js`);
  const usable = privateFolder(directory);
  let text = usable ? readMatching(file, compactor, asWritten) : undefined;
  if (text === undefined) {
    text = preludeSource('compact');
    if (usable) writeAtomically(directory, file, `${TAG} ${compactor.length} ${asWritten.length} ${text.length}\n${compactor}${asWritten}${text}`);
  }
  return text;
}

/** A few hex digits from every 61st character: cheap, and enough to tell most versions apart by name. */
function sparseFingerprint(text: string): string {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 61) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/** Make the folder if needed; true when it is a real folder of this user's that nobody else can write to. */
function privateFolder(directory: string): boolean {
  try {
    // Not recursive: the temp folder itself must exist (and Node's recursive mkdir loops forever
    // where mkdir answers ENOENT for a parent that exists, as in /proc).
    mkdirSync(directory, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
  }
  try {
    const stat = lstatSync(directory);
    const uid = process.getuid?.();
    return stat.isDirectory() && (uid === undefined || stat.uid === uid) && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** The cached compact text when the file was made from exactly these inputs and is whole, else undefined. */
function readMatching(file: string, compactor: string, asWritten: string): string | undefined {
  let content: string;
  try {
    // latin1: the prelude is ASCII, and this keeps it a one-byte string in V8 (see `preludeSource`).
    content = readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
  const newline = content.indexOf('\n');
  const [tag, compactorLength, asWrittenLength, textLength] = parseHeader(content.slice(0, newline < 0 ? 0 : newline));
  if (tag !== TAG || compactorLength !== compactor.length || asWrittenLength !== asWritten.length) return undefined;
  const start = newline + 1;
  if (content.length !== start + compactorLength + asWrittenLength + textLength) return undefined;
  if (content.slice(start, start + compactorLength) !== compactor) return undefined;
  if (content.slice(start + compactorLength, start + compactorLength + asWrittenLength) !== asWritten) return undefined;
  return content.slice(start + compactorLength + asWrittenLength);
}

/** `[tag, compactor length, prelude length, text length]` from a first line; lengths NaN when absent. */
function parseHeader(line: string): [string, number, number, number] {
  const words = line.split(' ');
  const numbers = words.slice(-3).map((word) => (/^\d+$/.test(word) ? Number(word) : Number.NaN));
  return [words.slice(0, -3).join(' '), numbers[0] ?? Number.NaN, numbers[1] ?? Number.NaN, numbers[2] ?? Number.NaN];
}

let temporaries = 0;

function writeAtomically(directory: string, file: string, content: string): void {
  const temporary = `${file}.${process.pid}.${Date.now()}.${temporaries++}.tmp`;
  try {
    // 'wx': never through a file (or link) already there; rename makes it whole or absent to readers.
    writeFileSync(temporary, content, { encoding: 'latin1', mode: 0o600, flag: 'wx' });
    renameSync(temporary, file);
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // Never made.
    }
    return;
  }
  removeStale(directory, file);
}

/** Remove other prelude versions' files not written for a week (a prelude changes with each edit). */
function removeStale(directory: string, keep: string): void {
  try {
    const now = Date.now();
    for (const name of readdirSync(directory)) {
      const path = join(directory, name);
      if (!name.startsWith('prelude-') || path === keep) continue;
      if (now - statSync(path).mtimeMs > STALE_MS) unlinkSync(path);
    }
  } catch {
    // Best effort: a stale file costs only disk space.
  }
}
