import type { Hash } from 'node:crypto';
import { chmod, cp, lstat, mkdir, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { SandboxError } from '../errors/sandbench-error.ts';
import { packageRoot } from '../runtimes/package-root.ts';
import { filesUnder } from './image-recipes.ts';

/**
 * The sandbench install an image recipe asks for with `{ "sandbench": "/opt/sandbench" }` (the
 * server image): the Node binary running this process, the built package (`dist/`) with the
 * folders it reads at run time, and its production dependencies exactly as the lockfile resolves
 * them, copied from this machine's `node_modules` (so the build needs no registry, and native
 * modules such as isolated-vm come built for this Node).
 */

/** Package files and folders the installed sandbench reads at run time. */
const PACKAGE_FILES = ['package.json', 'package-lock.json'];
const PACKAGE_FOLDERS = ['dist', 'sandboxes', 'images', 'tasks', 'schema'];
/** Build bookkeeping that is not part of the package. */
const SKIPPED_NAMES = new Set(['.build-stamp']);

/** Where things land under the install folder. */
export const INSTALLED_NODE = 'node/bin/node';
export const INSTALLED_COMMAND = 'bin/sandbench';
export const INSTALLED_HEALTHCHECK = 'bin/sandbench-healthcheck';

/** The production packages of the lockfile (`node_modules/...` keys not marked `dev`), as relative folders. */
export function productionPackageFolders(root = packageRoot()): string[] {
  const lockFile = join(root, 'package-lock.json');
  let lock: { packages?: Record<string, { dev?: boolean }> };
  try {
    lock = JSON.parse(readFileSync(lockFile, 'utf8')) as typeof lock;
  } catch (error) {
    throw new SandboxError(`${lockFile}: cannot read the lockfile the server image installs from: ${(error as Error).message}`, {
      code: 'sandbox-failure',
      cause: error,
    });
  }
  return Object.entries(lock.packages ?? {})
    .filter(([key, entry]) => key.startsWith('node_modules/') && entry.dev !== true)
    .map(([key]) => key)
    .filter((key) => existsSync(join(root, key)))
    .sort();
}

/** Refuse to install a package that was never built (`dist/cli/main.js` missing). */
function requireBuild(root: string): void {
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
    throw new SandboxError(`${root}/dist/cli/main.js is missing: build sandbench first (./sandbench --setup, or npm run build)`, {
      code: 'sandbox-failure',
    });
  }
}

/**
 * Feed the install's identity into a recipe hash: the bytes of the package's own files and
 * folders, the lockfile (which pins every dependency's version and integrity), the bytes of every
 * native module built on this machine (`*.node`, not covered by the lockfile's integrity), and the
 * Node binary's version and size. A changed source, dependency or Node rebuilds the image.
 */
export function hashSandbenchInstall(hash: Hash, to: string, root = packageRoot(), nodeBinary = process.execPath): void {
  hash.update(`sandbench:${to}\0node ${process.version} ${existsSync(nodeBinary) ? statSync(nodeBinary).size : 'missing'}\0`);
  const update = (path: string): void => {
    const bytes = readFileSync(join(root, path));
    hash.update(`${path}\0${bytes.byteLength}\0`);
    hash.update(bytes);
  };
  for (const file of PACKAGE_FILES) if (existsSync(join(root, file))) update(file);
  for (const folder of PACKAGE_FOLDERS) {
    if (!existsSync(join(root, folder))) continue;
    for (const file of filesUnder(join(root, folder))) {
      if (!SKIPPED_NAMES.has(file.split('/').pop() ?? '')) update(`${folder}/${file}`);
    }
  }
  for (const folder of productionPackageFolders(root)) {
    for (const file of filesUnder(join(root, folder))) {
      if (file.endsWith('.node') && !file.split('/').includes('node_modules')) update(`${folder}/${file}`);
    }
  }
}

/**
 * Copy the install into `target` (the image's folder, on the build host): Node, the package, its
 * production dependencies (each package folder without its nested `node_modules`, which the
 * lockfile lists as packages of their own), and two commands: `bin/sandbench` and
 * `bin/sandbench-healthcheck` (exit 0 when `GET /healthz` on the given port answers 200).
 */
export async function installSandbench(
  target: string,
  progress: (line: string) => void,
  root = packageRoot(),
  nodeBinary = process.execPath,
): Promise<void> {
  requireBuild(root);
  const regularOnly = async (path: string): Promise<boolean> => !(await lstat(path)).isSymbolicLink();
  progress(`installing Node ${process.version} and sandbench (production dependencies only) into the image`);
  await mkdir(join(target, 'node', 'bin'), { recursive: true });
  await cp(nodeBinary, join(target, INSTALLED_NODE));
  await chmod(join(target, INSTALLED_NODE), 0o755);
  for (const file of PACKAGE_FILES) {
    if (existsSync(join(root, file))) await cp(join(root, file), join(target, file));
  }
  for (const folder of PACKAGE_FOLDERS) {
    if (!existsSync(join(root, folder))) continue;
    await cp(join(root, folder), join(target, folder), {
      recursive: true,
      filter: async (path) => !SKIPPED_NAMES.has(path.split(sep).pop() ?? '') && (await regularOnly(path)),
    });
  }
  for (const folder of productionPackageFolders(root)) {
    const source = join(root, folder);
    await cp(source, join(target, folder), {
      recursive: true,
      // Nested packages come with their own lockfile entries; links (.bin) would point outside.
      filter: async (path) => {
        const inside = relative(source, path);
        return inside.split(sep)[0] !== 'node_modules' && (await regularOnly(path));
      },
    });
  }
  await mkdir(join(target, 'bin'), { recursive: true });
  await writeFile(join(target, INSTALLED_COMMAND), commandScript(), { mode: 0o755 });
  await writeFile(join(target, INSTALLED_HEALTHCHECK), healthcheckScript(), { mode: 0o755 });
}

/** `bin/sandbench`: the CLI on the installed Node, wherever the install folder is. */
function commandScript(): string {
  return [
    '#!/bin/sh',
    '# sandbench on the Node installed beside it (written by the image build).',
    'here="$(dirname "$(readlink -f "$0")")/.."',
    'exec "$here/node/bin/node" "$here/dist/cli/main.js" "$@"',
    '',
  ].join('\n');
}

/** `bin/sandbench-healthcheck [port]`: exit 0 when the local service says it is ready. */
function healthcheckScript(): string {
  return [
    '#!/bin/sh',
    '# Exit 0 when GET /healthz on this machine answers 200 (written by the image build).',
    'here="$(dirname "$(readlink -f "$0")")/.."',
    'port="${1:-${SANDBENCH_PORT:-8787}}"',
    'exec "$here/node/bin/node" -e "fetch(\'http://127.0.0.1:\' + process.argv[1] + \'/healthz\', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))" "$port"',
    '',
  ].join('\n');
}
