import tar from 'tar-stream';
import { InvalidInputError } from '../../errors/sandbench-error.ts';

/** One file for the work directory: a relative path, its content, and whether it is executable. */
export interface WorkFile {
  /** Path relative to the work directory (`main.py`, `lib/util.h`). */
  path: string;
  content: string | Uint8Array;
  /** Give the file mode 0755 instead of 0644. */
  executable?: boolean;
}

/**
 * A relative path the runner will accept: no absolute path, no `..`, no empty or NUL parts.
 * The runner checks again; this check gives the caller a clear `invalid-input` error early.
 */
export function normalizeWorkPath(path: string): string {
  if (path === '' || path.includes('\0') || path.startsWith('/')) {
    throw new InvalidInputError(`file path '${path}' must be relative to the work directory`, { details: { path } });
  }
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  if (parts.length === 0 || parts.includes('..')) {
    throw new InvalidInputError(`file path '${path}' must stay inside the work directory`, { details: { path } });
  }
  return parts.join('/');
}

// A fixed time, so the same files always make the same archive.
const EPOCH = new Date(0);

/**
 * Pack work files into an uncompressed tar archive (regular files only; folders implied).
 * Every entry is queued at once (tar-stream orders them) and the output is collected in one
 * pass: no promise per entry, no copy beyond the final concatenation.
 */
export async function packFiles(files: readonly WorkFile[]): Promise<Buffer> {
  const seen = new Set<string>();
  const entries = files.map((file) => {
    const name = normalizeWorkPath(file.path);
    if (seen.has(name)) throw new InvalidInputError(`file '${name}' is given twice`, { details: { path: name } });
    seen.add(name);
    const content = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : Buffer.from(file.content);
    return { name, content, mode: file.executable ? 0o755 : 0o644 };
  });
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  let size = 0;
  let failure: Error | null = null;
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (chunk: unknown) => {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
    });
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const entry of entries) {
    pack.entry({ name: entry.name, size: entry.content.length, mode: entry.mode, mtime: EPOCH, type: 'file' }, entry.content, (error) => {
      if (error) failure ??= error;
    });
  }
  pack.finalize();
  await done;
  if (failure) throw failure;
  return Buffer.concat(chunks, size);
}
