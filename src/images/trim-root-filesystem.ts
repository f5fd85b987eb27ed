import { chmod, lstat, mkdir, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { SandboxError } from '../errors/sandbench-error.ts';
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
 * the files debootstrap copied from the build host. Paths are the image's: a symbolic link in
 * the tree is followed as the image will follow it (see `resolveInImage`), never out of `root`.
 */
export async function trimRootFilesystem(root: string, options: TrimOptions): Promise<void> {
  const remove = [...DEFAULT_REMOVE, ...(options.remove ?? [])];
  const keep = [...DEFAULT_KEEP, ...(options.keep ?? [])];
  for (const pattern of remove) {
    for (const path of await expandPattern(root, pattern)) {
      if (keep.some((kept) => matchesImagePattern(kept, path))) continue;
      // The last component is removed itself, a link included, not what it points to.
      const parent = await resolveInImage(root, posix.dirname(path));
      await rm(join(parent, posix.basename(path)), { recursive: true, force: true });
    }
  }
  for (const directory of [...DEFAULT_DIRECTORIES, ...(options.directories ?? []), '/tmp']) {
    const folder = await resolveInImage(root, directory);
    await mkdir(folder, { recursive: true });
    // A tmpfs mounted here copies the directory's mode: world-writable and sticky, like /tmp.
    await chmod(folder, 0o1777);
  }
  // debootstrap copies the build host's name and resolver; the engine bind-mounts its own.
  await writeFile(await resolveInImage(root, '/etc/hostname'), 'sandbench\n');
  await writeFile(await resolveInImage(root, '/etc/resolv.conf'), '');
}

/** Symbolic links followed while resolving one path before giving up (the kernel's limit). */
const MAX_LINK_HOPS = 40;

/**
 * Where `imagePath` is on disk inside the tree at `root`, following symbolic links the way the
 * image will once `root` is its `/`: an absolute target starts again at `root`, and `..` never
 * climbs above it. No component of the answer is a link, so writing, listing or removing through
 * it cannot reach the build host's files. Missing components are kept as they are.
 */
async function resolveInImage(root: string, imagePath: string): Promise<string> {
  const pending = imagePath.split('/').filter((part) => part !== '' && part !== '.');
  const resolved: string[] = [];
  let hops = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const onDisk = join(root, ...resolved, part);
    let isLink: boolean;
    try {
      isLink = (await lstat(onDisk)).isSymbolicLink();
    } catch {
      isLink = false;
    }
    if (!isLink) {
      resolved.push(part);
      continue;
    }
    if (++hops > MAX_LINK_HOPS) {
      throw new SandboxError(`${imagePath}: too many levels of symbolic links in the image tree`, { code: 'sandbox-failure' });
    }
    const target = await readlink(onDisk);
    if (target.startsWith('/')) resolved.length = 0;
    pending.unshift(...target.split('/').filter((piece) => piece !== '' && piece !== '.'));
  }
  return join(root, ...resolved);
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

/** Expand an image pattern to the existing paths it names (absolute inside the image). */
async function expandPattern(root: string, pattern: string): Promise<string[]> {
  const parts = pattern.split('/').filter((part) => part !== '');
  let current = [''];
  for (const part of parts) {
    const nextPaths: string[] = [];
    for (const base of current) {
      let folder: string;
      try {
        folder = await resolveInImage(root, base);
      } catch {
        // A link loop: the image cannot reach anything below it either.
        continue;
      }
      if (!part.includes('*')) {
        if (await exists(join(folder, part))) nextPaths.push(`${base}/${part}`);
        continue;
      }
      let names: string[];
      try {
        names = await readdir(folder);
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
