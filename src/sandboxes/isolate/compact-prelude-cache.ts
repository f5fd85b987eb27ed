/**
 * The compacted guest prelude, made once per machine rather than once per worker: compacting the
 * ~200 KB prelude costs ~30 ms of a worker's start-up, and every CLI run starts its workers
 * afresh. The text is kept in the OS temp folder, in a folder of this user's own (mode 0700,
 * checked), under a name derived from what it is made from (the prelude's text as written and the
 * compactor's own source), so an edit to either makes a new file. Written atomically (a private
 * temporary file, then a rename) with the SHA-256 of its text in its first line, checked on every
 * read: a torn or damaged file is made again. Anything unusual (a folder owned by someone else or
 * open to them, a read-only temp folder) falls back to compacting in memory.
 */
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactScript } from './compact-script.ts';
import { preludeSource } from './guest-prelude.ts';

const HEADER = '// sha256 ';
/** Cache files of other prelude versions untouched this long are removed when a new one is written. */
const STALE_MS = 7 * 24 * 60 * 60 * 1000;

export interface CompactPreludeOptions {
  /** The cache folder; default `<OS temp folder>/sandbench-<uid>`. Made if missing. */
  directory?: string;
}

/**
 * The prelude's source in its compact form (as `preludeSource('compact')`), from the cache when it
 * holds it, else made and cached. Reads the folder on every call (a worker calls it once).
 */
export function compactPreludeSource(options: CompactPreludeOptions = {}): string {
  const directory = options.directory ?? join(tmpdir(), `sandbench-${process.getuid?.() ?? 'user'}`);
  const key = createHash('sha256').update(preludeSource('as-written')).update('\0').update(compactScript.toString()).digest('hex').slice(0, 32);
  const file = join(directory, `prelude-${key}.js`);
  const usable = privateFolder(directory);
  let text = usable ? readChecked(file) : undefined;
  if (text === undefined) {
    text = preludeSource('compact');
    if (usable) writeAtomically(directory, file, text);
  }
  return text;
}

/** Make the folder if needed; true when it is a real folder of this user's that nobody else can write to. */
function privateFolder(directory: string): boolean {
  try {
    mkdirSync(directory, { recursive: true, mode: 0o700 });
    const stat = lstatSync(directory);
    const uid = process.getuid?.();
    return stat.isDirectory() && (uid === undefined || stat.uid === uid) && (stat.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

/** The cached text when the file exists and its checksum matches, else undefined. */
function readChecked(file: string): string | undefined {
  let content: string;
  try {
    // latin1: the prelude is ASCII, and this keeps it a one-byte string in V8 (see `preludeSource`).
    content = readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
  const newline = content.indexOf('\n');
  if (newline < 0 || !content.startsWith(HEADER)) return undefined;
  const text = content.slice(newline + 1);
  const expected = content.slice(HEADER.length, newline);
  return sha256(text) === expected ? text : undefined;
}

function writeAtomically(directory: string, file: string, text: string): void {
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    // 'wx': never through a file (or link) already there; rename makes it whole or absent to readers.
    writeFileSync(temporary, `${HEADER}${sha256(text)}\n${text}`, { encoding: 'latin1', mode: 0o600, flag: 'wx' });
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

function sha256(text: string): string {
  return createHash('sha256').update(text, 'latin1').digest('hex');
}
