import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { SandboxError } from '../errors/sandbench-error.ts';
import { followEngineProgress } from './follow-engine-progress.ts';
import type { ImageRecipe } from './image-recipes.ts';
import { packFolder } from './pack-folder.ts';
import { stageBuildContext } from './stage-build-context.ts';

/**
 * Build the recipe's Dockerfile with the engine (it pulls `debian:bookworm-slim`, so it needs a
 * registry), passing the image name and recipe hash as build arguments for the labels. The build
 * context is the recipe's files and its inputs under `inputs/` (see `stageBuildContext`), staged
 * in a temporary folder under `workDir` that is removed afterwards.
 */
export async function buildOnline(
  recipe: ImageRecipe,
  docker: Dockerode,
  progress: (line: string) => void,
  workDir: string = tmpdir(),
): Promise<void> {
  if (!recipe.hasDockerfile) {
    throw new SandboxError(`${recipe.folder} has no Dockerfile: build it offline`, { code: 'unsupported' });
  }
  const context = await mkdtemp(join(workDir, `sandbench-context-${recipe.name}-`));
  let contextTar: ReturnType<typeof packFolder> | undefined;
  let packError: Error | undefined;
  try {
    const files = await stageBuildContext(recipe, context);
    const inputs = files.filter((file) => file.startsWith('inputs/')).length;
    if (inputs > 0) progress(`[${recipe.name}] build context: the recipe's files and ${inputs} input files under inputs/`);
    contextTar = packFolder(context);
    // A failure while packing ends the stream; it is reported below unless the engine failed first.
    contextTar.on('error', (error: Error) => {
      packError ??= error;
    });
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
    if (packError) throw new SandboxError(`${recipe.name}: packing the build context failed: ${packError.message}`, { code: 'sandbox-failure', cause: packError });
  } finally {
    // The engine may have stopped reading early (a failed build): stop packing before the files go.
    contextTar?.destroy();
    await rm(context, { recursive: true, force: true });
  }
}
