import { copyFile, cp, lstat, mkdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { InvalidInputError } from '../errors/sandbench-error.ts';
import { filesUnder, recipeInputLabel, recipeInputMissingError, recipeInputPath, type ImageRecipe, type RecipeInput } from './image-recipes.ts';

/** Folder of the build context that holds the recipe's inputs (the Dockerfiles `COPY inputs/`). */
export const CONTEXT_INPUTS_FOLDER = 'inputs';

/**
 * Where one input goes in the build context, relative to it: a data file keeps its name
 * (`inputs/vendor.tar.gz`, extracted or copied by the Dockerfile as the offline build does), an
 * npm package is a folder (`inputs/lodash/`).
 */
export function contextInputPath(input: RecipeInput): string {
  // Not staged (stageBuildContext refuses it): a sandbench install is this machine's own build.
  if ('sandbench' in input) return `${CONTEXT_INPUTS_FOLDER}/sandbench`;
  return 'package' in input ? `${CONTEXT_INPUTS_FOLDER}/${input.package}` : `${CONTEXT_INPUTS_FOLDER}/${basename(input.data)}`;
}

/**
 * Fill `target` (an empty folder) with the docker build context of `recipe`: its files (those its
 * hash covers) and its inputs under `inputs/`, read from the same places as the offline build
 * (the data folder; sandbench's own `node_modules`, symbolic links left out as there). Returns the
 * context's files, sorted. Throws naming an input that is missing, or two inputs that would land
 * on the same path.
 */
export async function stageBuildContext(recipe: Pick<ImageRecipe, 'name' | 'folder' | 'files' | 'options'>, target: string): Promise<string[]> {
  for (const file of recipe.files) await copyFile(join(recipe.folder, file), join(target, file));
  const inputs = recipe.options.inputs ?? [];
  const placed = new Map<string, string>();
  for (const input of inputs) {
    if ('sandbench' in input) {
      throw new InvalidInputError(`image ${recipe.name}: its sandbench input is this machine's own build, which has no online form: build it offline`, {
        details: { input: 'sandbench' },
      });
    }
    const path = contextInputPath(input);
    const clash = placed.get(path);
    if (clash !== undefined) {
      throw new InvalidInputError(`image ${recipe.name}: inputs ${clash} and ${recipeInputLabel(input)} would both be ${path} in the build context`, {
        details: { path },
      });
    }
    placed.set(path, recipeInputLabel(input));
  }
  for (const input of inputs) {
    const source = recipeInputPath(input);
    const found = await stat(source).catch(() => undefined);
    const destination = join(target, contextInputPath(input));
    if ('package' in input) {
      if (!found?.isDirectory()) throw recipeInputMissingError(recipe.name, input, source);
      await mkdir(destination, { recursive: true });
      // As the offline build: regular files and folders only, a package's own links would point outside the image.
      await cp(source, destination, { recursive: true, dereference: false, filter: async (path) => !(await lstat(path)).isSymbolicLink() });
      continue;
    }
    if (!found?.isFile()) throw recipeInputMissingError(recipe.name, input, source);
    await mkdir(join(target, CONTEXT_INPUTS_FOLDER), { recursive: true });
    await copyFile(source, destination);
  }
  return filesUnder(target);
}
