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

/** Pack work files into an uncompressed tar archive (regular files only; folders implied). */
export async function packFiles(files: readonly WorkFile[]): Promise<Buffer> {
  const pack = tar.pack();
  const seen = new Set<string>();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (chunk: unknown) => {
      chunks.push(chunk as Buffer);
    });
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const file of files) {
    const name = normalizeWorkPath(file.path);
    if (seen.has(name)) throw new InvalidInputError(`file '${name}' is given twice`, { details: { path: name } });
    seen.add(name);
    const content = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : Buffer.from(file.content);
    await new Promise<void>((resolve, reject) => {
      pack.entry(
        { name, size: content.length, mode: file.executable ? 0o755 : 0o644, mtime: EPOCH, type: 'file' },
        content,
        (error) => (error ? reject(error) : resolve()),
      );
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}
