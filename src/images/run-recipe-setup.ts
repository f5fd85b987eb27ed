import { cp, copyFile, lstat, mkdir, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { execa } from 'execa';
import { SandboxError } from '../errors/sandbench-error.ts';
import { installSandbench } from './sandbench-install.ts';
import { recipeInputMissingError, recipeInputPath, type ImageRecipe } from './image-recipes.ts';

/** Longest a single setup command may run (a cold Rust crate build takes about a minute here). */
const SETUP_COMMAND_TIMEOUT_MS = 20 * 60_000;

/** Environment of setup commands: nothing from the build host leaks in. */
const SETUP_ENVIRONMENT = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/root',
  LANG: 'C.UTF-8',
  TMPDIR: '/tmp',
};

/** Where the recipe folder is visible to the setup commands (removed afterwards). */
export const SETUP_RECIPE_FOLDER = '/tmp/sandbench-recipe';

/**
 * Put the recipe's inputs into the debootstrapped tree at `root` (a `.tar.gz` extracted, any
 * other file copied, an npm package's folder copied whole), then run its `setup` commands as
 * root inside the tree (chroot, with /proc mounted for the time of the commands; the recipe
 * folder readable at `SETUP_RECIPE_FOLDER`, so a command can be a script beside packages.txt).
 * Throws a `SandboxError` naming the input that is missing or the command that failed, with the
 * end of its output.
 */
export async function runRecipeSetup(root: string, recipe: Pick<ImageRecipe, 'name' | 'options' | 'folder'>, progress: (line: string) => void): Promise<void> {
  for (const input of recipe.options.inputs ?? []) {
    if ('sandbench' in input) {
      await installSandbench(join(root, input.sandbench), (line) => progress(`[${recipe.name}] ${line}`));
      continue;
    }
    const source = recipeInputPath(input);
    const found = await stat(source).catch(() => undefined);
    if ('package' in input) {
      if (!found?.isDirectory()) throw recipeInputMissingError(recipe.name, input, source);
      const target = join(root, input.to, ...input.package.split('/'));
      progress(`[${recipe.name}] copying the npm package ${input.package} into ${input.to}`);
      await mkdir(target, { recursive: true });
      // Regular files and folders only: a package's own links would point outside the image.
      await cp(source, target, { recursive: true, dereference: false, filter: async (path) => !(await lstat(path)).isSymbolicLink() });
      continue;
    }
    if (!found?.isFile()) throw recipeInputMissingError(recipe.name, input, source);
    // `to` is absolute inside the image; the tree is ours (debootstrap just made it).
    const target = join(root, input.to);
    await mkdir(target, { recursive: true });
    if (/\.(tar\.gz|tgz)$/.test(source)) {
      progress(`[${recipe.name}] extracting ${input.data} into ${input.to}`);
      const result = await execa('tar', ['-xzf', source, '-C', target, '--no-same-owner'], { reject: false, all: true });
      if (result.exitCode !== 0) {
        throw new SandboxError(`image ${recipe.name}: extracting ${input.data} failed: ${String(result.all ?? '').slice(-2000)}`, {
          code: 'sandbox-failure',
        });
      }
    } else {
      progress(`[${recipe.name}] copying ${input.data} into ${input.to}`);
      await copyFile(source, join(target, basename(source)));
    }
  }
  const commands = recipe.options.setup ?? [];
  if (commands.length === 0) return;
  const proc = join(root, 'proc');
  await mkdir(proc, { recursive: true });
  const mounted = await execa('mount', ['-t', 'proc', 'proc', proc], { reject: false, all: true });
  if (mounted.exitCode !== 0) {
    throw new SandboxError(`image ${recipe.name}: cannot mount /proc for the setup commands: ${String(mounted.all ?? '')}`, {
      code: 'sandbox-failure',
    });
  }
  const recipeCopy = join(root, SETUP_RECIPE_FOLDER);
  await cp(recipe.folder, recipeCopy, { recursive: true });
  try {
    for (const command of commands) {
      progress(`[${recipe.name}] setup: ${command.join(' ')}`);
      const result = await execa('chroot', [root, ...command], {
        reject: false,
        all: true,
        env: SETUP_ENVIRONMENT,
        extendEnv: false,
        timeout: SETUP_COMMAND_TIMEOUT_MS,
      });
      if (result.exitCode !== 0 || result.failed) {
        throw new SandboxError(
          `image ${recipe.name}: setup command \`${command.join(' ')}\` ${result.timedOut ? 'timed out' : `exited ${result.exitCode ?? result.signal}`}: ` +
            String(result.all ?? '').slice(-3000),
          { code: 'sandbox-failure', details: { command } },
        );
      }
    }
  } finally {
    await execa('umount', ['-l', proc], { reject: false });
    await rm(recipeCopy, { recursive: true, force: true });
  }
}
