import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { execa } from 'execa';
import type pino from 'pino';
import { SandboxError } from '../errors/sandbench-error.ts';
import type { BuildPhases } from './image-build-report.ts';
import { DEBIAN_SUITE, type ImageRecipe } from './image-recipes.ts';
import { importRootFilesystem } from './import-root-filesystem.ts';
import { runRecipeSetup } from './run-recipe-setup.ts';
import { trimRootFilesystem } from './trim-root-filesystem.ts';

/** What an offline build needs besides the recipe. */
export interface OfflineBuildOptions {
  /** Engine client the tree is imported into. */
  docker: Dockerode;
  /** Logger (the image's child logger). */
  logger: pino.Logger;
  /** Receives each line of build output. */
  progress: (line: string) => void;
  /** Debian mirror for debootstrap. */
  mirror: string;
  /** Parent folder for the debootstrap tree; must allow exec and device files. */
  workDir: string;
}

/**
 * Build the recipe's image without a registry: `debootstrap --variant=minbase` into a temporary
 * folder, trim it, stream it as a tar into `docker import`. Needs root and debootstrap. The
 * folder is deleted afterwards, whatever happened. Returns the time each phase took.
 */
export async function buildOffline(
  recipe: ImageRecipe,
  options: OfflineBuildOptions,
): Promise<Pick<BuildPhases, 'debootstrap' | 'trim' | 'import'>> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new SandboxError(
      'offline image builds run debootstrap, which needs root: run `sudo ./sandbench images build`, ' +
        'or `./sandbench images build --online` on a machine that can pull debian:bookworm-slim',
      { code: 'unsupported' },
    );
  }
  const debootstrap = findDebootstrap();
  if (!debootstrap) {
    throw new SandboxError('debootstrap is not installed: apt-get install -y debootstrap', { code: 'unsupported' });
  }
  await mkdir(options.workDir, { recursive: true });
  const root = await mkdtemp(join(options.workDir, `sandbench-image-${recipe.name}-`));
  try {
    let phaseStarted = performance.now();
    await runDebootstrap(debootstrap, root, recipe, options);
    await runRecipeSetup(root, recipe, options.progress);
    const debootstrapMs = Math.round(performance.now() - phaseStarted);
    phaseStarted = performance.now();
    await unmountUnder(root);
    await trimRootFilesystem(root, recipe.options);
    const trimMs = Math.round(performance.now() - phaseStarted);
    options.progress(`[${recipe.name}] importing into the engine as ${recipe.reference}`);
    phaseStarted = performance.now();
    await importRootFilesystem(root, recipe, options.docker, options.progress, options.logger);
    const importMs = Math.round(performance.now() - phaseStarted);
    return { debootstrap: debootstrapMs, trim: trimMs, import: importMs };
  } finally {
    await unmountUnder(root).catch(() => undefined);
    await rm(root, { recursive: true, force: true, maxRetries: 2 });
  }
}

/** Run debootstrap into `root`, passing its output on line by line; throws with its last lines when it fails. */
async function runDebootstrap(debootstrap: string, root: string, recipe: ImageRecipe, options: OfflineBuildOptions): Promise<void> {
  const args = ['--variant=minbase', `--include=${recipe.packages.join(',')}`, DEBIAN_SUITE, root, options.mirror];
  options.progress(`[${recipe.name}] debootstrap ${args.join(' ')}`);
  const child = execa(debootstrap, args, {
    all: true,
    reject: false,
    timeout: 30 * 60_000,
    env: { DEBIAN_FRONTEND: 'noninteractive', LC_ALL: 'C' },
  });
  const tail: string[] = [];
  child.all?.setEncoding('utf8');
  let pending = '';
  child.all?.on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      tail.push(line);
      if (tail.length > 20) tail.shift();
      options.progress(`[${recipe.name}] ${line}`);
    }
  });
  const result = await child;
  if (result.exitCode === 0 && !result.failed) return;
  let logTail = '';
  try {
    logTail = readFileSync(join(root, 'debootstrap', 'debootstrap.log'), 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    // debootstrap removes its log on success only; absent when it failed early.
  }
  throw new SandboxError(
    `debootstrap failed for ${recipe.reference} (mirror ${options.mirror}; set SANDBENCH_DEBIAN_MIRROR to use another): ` +
      `${result.timedOut ? 'timed out' : `exit ${result.exitCode ?? result.signal}`}\n${tail.join('\n')}${logTail ? '\n' + logTail : ''}`,
    { code: 'sandbox-failure', details: { mirror: options.mirror, packages: recipe.packages } },
  );
}

function findDebootstrap(): string | undefined {
  for (const candidate of ['/usr/sbin/debootstrap', '/usr/bin/debootstrap', '/sbin/debootstrap', '/usr/local/sbin/debootstrap']) {
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** A failed debootstrap can leave proc/sys mounted in the tree: unmount them before deleting it. */
async function unmountUnder(root: string): Promise<void> {
  let mounts: string;
  try {
    mounts = readFileSync('/proc/self/mounts', 'utf8');
  } catch {
    return;
  }
  const points = mounts
    .split('\n')
    .map((line) => line.split(' ')[1])
    .filter((point): point is string => point !== undefined)
    .map((point) => point.replace(/\\040/g, ' '))
    .filter((point) => point.startsWith(root + '/'))
    .sort((a, b) => b.length - a.length);
  for (const point of points) {
    await execa('umount', ['-l', point], { reject: false });
  }
}
