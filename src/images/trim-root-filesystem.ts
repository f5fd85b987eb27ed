import { chmod, lstat, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageRecipeFile } from './image-recipes.ts';

/** Directory trees the builder always empties in an offline image (docs, caches, apt lists). */
export const DEFAULT_REMOVE = [
  '/var/lib/apt/lists/*',
  '/var/cache/apt/*',
  '/var/cache/debconf/*-old',
  '/var/log/*',
  '/usr/share/doc/*/*',
  '/usr/share/man/*',
  '/usr/share/info/*',
  '/usr/share/locale/*',
  '/usr/share/lintian/*',
  '/usr/share/linda/*',
];
/** Kept despite `DEFAULT_REMOVE`: licence files. */
export const DEFAULT_KEEP = ['/usr/share/doc/*/copyright'];
/** Directories created in every image (mount points for the sandbox's tmpfs). */
export const DEFAULT_DIRECTORIES = ['/work'];

/** What a recipe adds to the trimming: extra removals, paths kept, mount points. */
export type TrimOptions = Pick<ImageRecipeFile, 'remove' | 'keep' | 'directories'>;

/**
 * Trim a debootstrapped tree at `root` before it is imported: delete docs and caches (keeping
 * licences and the recipe's `keep` paths), create the mount points (mode 1777), and neutralise
 * the files debootstrap copied from the build host.
 */
export async function trimRootFilesystem(root: string, options: TrimOptions): Promise<void> {
  const remove = [...DEFAULT_REMOVE, ...(options.remove ?? [])];
  const keep = [...DEFAULT_KEEP, ...(options.keep ?? [])];
  for (const pattern of remove) {
    for (const path of await expandPattern(root, pattern)) {
      if (keep.some((kept) => matchesImagePattern(kept, path))) continue;
      await rm(join(root, path), { recursive: true, force: true });
    }
  }
  for (const directory of [...DEFAULT_DIRECTORIES, ...(options.directories ?? [])]) {
    await mkdir(join(root, directory), { recursive: true });
    // A tmpfs mounted here copies the directory's mode: world-writable and sticky, like /tmp.
    await chmod(join(root, directory), 0o1777);
  }
  await mkdir(join(root, 'tmp'), { recursive: true });
  await chmod(join(root, 'tmp'), 0o1777);
  // debootstrap copies the build host's name and resolver; the engine bind-mounts its own.
  await writeFile(join(root, 'etc', 'hostname'), 'sandbench\n');
  await writeFile(join(root, 'etc', 'resolv.conf'), '');
}

/** Does `path` (absolute, inside the image) match `pattern` (`*` within one segment)? */
export function matchesImagePattern(pattern: string, path: string): boolean {
  const patternParts = pattern.split('/');
  const pathParts = path.split('/');
  if (patternParts.length !== pathParts.length) return false;
  return patternParts.every((part, index) => segmentMatches(part, pathParts[index]!));
}

function segmentMatches(pattern: string, segment: string): boolean {
  if (!pattern.includes('*')) return pattern === segment;
  const expression = new RegExp('^' + pattern.split('*').map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*') + '$');
  return expression.test(segment);
}

/** Expand an image pattern to the existing paths it names (absolute inside the image, relative to `root` on disk). */
async function expandPattern(root: string, pattern: string): Promise<string[]> {
  const parts = pattern.split('/').filter((part) => part !== '');
  let current = [''];
  for (const part of parts) {
    const nextPaths: string[] = [];
    for (const base of current) {
      if (!part.includes('*')) {
        const candidate = `${base}/${part}`;
        if (await exists(join(root, candidate))) nextPaths.push(candidate);
        continue;
      }
      let names: string[];
      try {
        names = await readdir(join(root, base));
      } catch {
        continue;
      }
      for (const name of names) if (segmentMatches(part, name)) nextPaths.push(`${base}/${name}`);
    }
    current = nextPaths;
  }
  return current.filter((path) => path !== '');
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
