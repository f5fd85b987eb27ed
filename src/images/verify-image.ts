import type Dockerode from 'dockerode';
import { SandboxError } from '../errors/sandbench-error.ts';
import type { ImageRecipe } from './image-recipes.ts';
import { runInImage } from './run-in-image.ts';

/**
 * Run the recipe's `verify` commands in its new image, under the sandbox's constraints (see
 * `runInImage`), one after the other; the first that exits non-zero fails the build.
 */
export async function verifyImage(
  recipe: Pick<ImageRecipe, 'name' | 'reference' | 'options'>,
  docker: Dockerode,
  progress: (line: string) => void,
): Promise<void> {
  for (const command of recipe.options.verify ?? []) {
    const { exitCode, output } = await runInImage(docker, recipe.reference, command);
    if (exitCode !== 0) {
      throw new SandboxError(`${recipe.reference}: check \`${command.join(' ')}\` exited ${exitCode}: ${output.trim()}`, {
        code: 'sandbox-failure',
      });
    }
    progress(`[${recipe.name}] check ok: ${command.join(' ')} → ${output.trim().split('\n')[0] ?? ''}`);
  }
}
