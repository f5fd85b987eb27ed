import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import type pino from 'pino';
import { SandboxError } from '../errors/sandbench-error.ts';
import { followEngineProgress } from './follow-engine-progress.ts';
import { IMAGE_NAME_LABEL, IMAGE_TAG, RECIPE_HASH_LABEL, type ImageRecipe } from './image-recipes.ts';
import { packFolder } from './pack-folder.ts';

/** PATH of every image. */
export const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The Dockerfile instructions `docker import` applies to an offline image: the two labels,
 * PATH and the recipe's environment, the work directory, the exposed ports and the default
 * command (`bash` unless the recipe names one).
 */
export function imageChanges(recipe: Pick<ImageRecipe, 'image' | 'hash' | 'options'>): string[] {
  const environment: Record<string, string> = { PATH: IMAGE_PATH, ...(recipe.options.env ?? {}) };
  return [
    `LABEL ${IMAGE_NAME_LABEL}=${recipe.image}`,
    `LABEL ${RECIPE_HASH_LABEL}=${recipe.hash}`,
    ...Object.entries(environment).map(([key, value]) => `ENV ${key}=${value}`),
    'WORKDIR /work',
    ...(recipe.options.expose ?? []).map((port) => `EXPOSE ${port}/tcp`),
    `CMD ${JSON.stringify(recipe.options.cmd ?? ['bash'])}`,
  ];
}

/**
 * Stream the tree at `root` as a tar straight into `docker import`, tagged as the recipe's
 * image with `imageChanges`; `proc`, `sys`, `dev` and `run/lock` go in empty (the engine
 * provides them).
 */
export async function importRootFilesystem(
  root: string,
  recipe: ImageRecipe,
  docker: Dockerode,
  progress: (line: string) => void,
  logger: pino.Logger,
): Promise<void> {
  const pack = packFolder(root, {
    emptyDirectories: ['proc', 'sys', 'dev', 'run/lock'].filter((path) => existsSync(join(root, path))),
    onSkip: (path, why) => logger.debug({ path, why }, 'left out of the image tar'),
  });
  let packError: Error | undefined;
  // A tar that fails half way must not leave the engine waiting for the rest of the body.
  const abort = new AbortController();
  pack.on('error', (error: Error) => {
    packError = error;
    abort.abort(error);
  });
  const [repo] = recipe.reference.split(':');
  try {
    const response = await docker.importImage(pack as unknown as NodeJS.ReadableStream, {
      repo,
      tag: IMAGE_TAG,
      changes: imageChanges(recipe),
      message: `sandbench offline build of ${recipe.name} (recipe ${recipe.hash})`,
      abortSignal: abort.signal,
    });
    await followEngineProgress(docker, response, (event) => {
      if (typeof event.status === 'string' && event.status.startsWith('sha256:')) {
        progress(`[${recipe.name}] imported ${event.status}`);
      }
    });
  } catch (error) {
    if (packError) throw new SandboxError(`packing ${root} failed: ${packError.message}`, { cause: packError });
    throw error;
  }
  if (packError) throw new SandboxError(`packing ${root} failed: ${packError.message}`, { cause: packError });
}
