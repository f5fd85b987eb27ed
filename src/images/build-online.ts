import type Dockerode from 'dockerode';
import { SandboxError } from '../errors/sandbench-error.ts';
import { followEngineProgress } from './follow-engine-progress.ts';
import type { ImageRecipe } from './image-recipes.ts';
import { packFolder } from './pack-folder.ts';

/**
 * Build the recipe's Dockerfile with the engine (it pulls `debian:bookworm-slim`, so it needs a
 * registry), passing the image name and recipe hash as build arguments for the labels.
 */
export async function buildOnline(recipe: ImageRecipe, docker: Dockerode, progress: (line: string) => void): Promise<void> {
  if (!recipe.hasDockerfile) {
    throw new SandboxError(`${recipe.folder} has no Dockerfile: build it offline`, { code: 'unsupported' });
  }
  const contextTar = packFolder(recipe.folder);
  const response = await docker.buildImage(contextTar as unknown as NodeJS.ReadableStream, {
    t: recipe.reference,
    buildargs: { SANDBENCH_IMAGE: recipe.image, SANDBENCH_RECIPE_HASH: recipe.hash },
    rm: true,
    forcerm: true,
    // The RUN step needs the Debian mirror; engines started with --bridge=none have no default
    // bridge network, so the build uses the host's network.
    networkmode: 'host',
  });
  await followEngineProgress(docker, response, (event) => {
    const line = (event.stream ?? event.status ?? '').trimEnd();
    if (line !== '') progress(`[${recipe.name}] ${line}`);
  });
}
