import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { InvalidInputError } from '../errors/sandbench-error.ts';

/**
 * Create `path` and its missing parents, one level at a time. Node's `mkdir({ recursive: true })`
 * loops forever on some paths (under `/proc`); this fails at once instead, with an error naming
 * `what` (e.g. `--out`) and the path.
 */
export async function ensureFolder(path: string, what: string): Promise<void> {
  const target = resolve(path);
  const missing: string[] = [];
  let current = target;
  for (;;) {
    let info;
    try {
      info = await stat(current);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw cannot(what, path, `${current}: ${(error as Error).message}`);
      missing.unshift(current);
      const parent = dirname(current);
      if (parent === current) break;
      current = parent;
      continue;
    }
    if (!info.isDirectory()) throw cannot(what, path, `${current} exists and is not a folder`);
    break;
  }
  for (const folder of missing) {
    try {
      await mkdir(folder);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && (await stat(folder).catch(() => undefined))?.isDirectory()) continue;
      throw cannot(what, path, (error as Error).message);
    }
  }
}

function cannot(what: string, path: string, why: string): InvalidInputError {
  return new InvalidInputError(`${what} ${path}: cannot create the folder: ${why}`, { details: { path } });
}
