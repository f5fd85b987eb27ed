import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { InvalidInputError, SandboxError } from '../errors/sandbench-error.ts';
import { formatZodIssues } from '../schemas/format-zod-error.ts';
import { packageRoot } from '../runtimes/package-root.ts';
import { hashSandbenchInstall } from './sandbench-install.ts';

/** Every sandbench image is `sandbench-<folder name>`. */
export const IMAGE_PREFIX = 'sandbench-';
/** The tag every sandbench image carries. */
export const IMAGE_TAG = 'latest';
/** Label holding the recipe hash an image was built from. */
export const RECIPE_HASH_LABEL = 'sandbench.recipe-hash';
/** Label holding the image's name (`sandbench-python`). */
export const IMAGE_NAME_LABEL = 'sandbench.image';
/** Debian release both image forms are built from. */
export const DEBIAN_SUITE = 'bookworm';

/**
 * Bumped when the builder changes what it puts into an image (trimming, directories, config),
 * so images built by an older builder are rebuilt even though their recipe files did not change.
 */
export const RECIPE_FORMAT_VERSION = 1;

/** Absolute path (glob `*` matches within one path segment). */
const absolutePattern = z
  .string()
  .regex(/^\/[^\0]*$/, 'must be an absolute path')
  .refine((value) => !value.split('/').includes('..'), 'must not contain ..');

/** A path relative to the data folder: no leading slash, no `..`. */
const dataPath = z
  .string()
  .regex(/^[^/\0][^\0]*$/, 'must be a path relative to the data folder')
  .refine((value) => !value.split('/').includes('..'), 'must not contain ..');

/**
 * A file from the data folder that the image needs (a vendored module, a crate source): a
 * `.tar.gz` is extracted into `to`, any other file is copied into `to`. Its bytes count in the
 * recipe hash, so a changed input rebuilds the image.
 */
export const recipeDataInputSchema = z
  .object({
    /** Path under the data folder (`SANDBENCH_DATA`, else `../shared/data` beside the package). */
    data: dataPath,
    /** Absolute folder in the image. */
    to: absolutePattern,
  })
  .strict();

/** An npm package name, scoped or not (`lodash`, `@scope/name`). */
const npmPackageName = z.string().regex(/^(?:@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*$/, 'must be an npm package name');

/**
 * An npm package from sandbench's own `node_modules` (pinned in its package.json, so the build
 * needs no registry): the package folder is copied whole to `to/<name>`. Every file of it counts
 * in the recipe hash, so another version rebuilds the image.
 */
export const recipePackageInputSchema = z
  .object({
    /** The package name, as in sandbench's package.json. */
    package: npmPackageName,
    /** Absolute folder in the image; the package lands in `<to>/<package>`. */
    to: absolutePattern,
  })
  .strict();

/**
 * This sandbench itself, installed into the image's folder (the server image): the Node binary
 * running the build, the built package and its production dependencies from `node_modules`
 * (see sandbench-install.ts). Their bytes (native modules included) and the lockfile count in
 * the recipe hash.
 */
export const recipeSandbenchInputSchema = z
  .object({
    /** Absolute folder in the image the install goes to (`/opt/sandbench`). */
    sandbench: absolutePattern,
  })
  .strict();

/** What a recipe puts into its image besides Debian packages: a data file, an npm package or sandbench itself. */
export const recipeInputSchema = z.union([recipeDataInputSchema, recipePackageInputSchema, recipeSandbenchInputSchema]);
export type RecipeInput = z.infer<typeof recipeInputSchema>;
export type RecipeSandbenchInput = z.infer<typeof recipeSandbenchInputSchema>;
export type RecipeDataInput = z.infer<typeof recipeDataInputSchema>;
export type RecipePackageInput = z.infer<typeof recipePackageInputSchema>;

/** `images/<name>/recipe.json`: optional extras for the offline build. */
export const imageRecipeFileSchema = z
  .object({
    /** One line saying what the image is for. */
    description: z.string().optional(),
    /**
     * `sandbox` (default): an image programs run in; built by a bare `images build` and required
     * by `doctor`. `service`: an image that runs sandbench itself (the server image); built only
     * when named, and never needed to run programs.
     */
    role: z.enum(['sandbox', 'service']).optional(),
    /** Directories to create (mode 1777 for mount points the sandbox covers with a tmpfs). `/work` is always created. */
    directories: z.array(absolutePattern).optional(),
    /** Extra paths to delete after debootstrap (globs), on top of the builder's default trimming. */
    remove: z.array(absolutePattern).optional(),
    /** Paths to keep even when a `remove` pattern matches them (globs). */
    keep: z.array(absolutePattern).optional(),
    /** Environment of the image (`PATH` is always set). Must match the Dockerfile's ENV line. */
    env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).optional(),
    /** Files from the data folder put into the image before `setup` runs. */
    inputs: z.array(recipeInputSchema).optional(),
    /**
     * Commands run as root inside the new tree (chroot, /proc mounted) after the packages and
     * inputs are in and before trimming: precompiled libraries, warmed caches.
     */
    setup: z.array(z.array(z.string().min(1)).min(1)).optional(),
    /** Commands run in the fresh image (as nobody, read-only, no network) that must exit 0. */
    verify: z.array(z.array(z.string().min(1)).min(1)).optional(),
    /** The image's default command (exec form); `["bash"]` when absent. */
    cmd: z.array(z.string().min(1)).min(1).optional(),
    /** TCP ports the image's process listens on (documentation for `docker run -P` and orchestrators). */
    expose: z.array(z.number().int().min(1).max(65535)).optional(),
  })
  .strict();
export type ImageRecipeFile = z.infer<typeof imageRecipeFileSchema>;

const debianPackageName = /^[a-z0-9][a-z0-9+.-]+$/;

/** A validated image recipe: both forms (Dockerfile and offline package list) plus its hash. */
export interface ImageRecipe {
  /** Folder name in `images/`: `python`, `node`, `gcc`. */
  name: string;
  /** Image name without tag: `sandbench-python`. */
  image: string;
  /** Image reference with tag: `sandbench-python:latest`. */
  reference: string;
  /** Absolute folder of the recipe. */
  folder: string;
  /** Debian packages for `debootstrap --include`, in file order. */
  packages: string[];
  /** Parsed `recipe.json` (empty object when the file is absent). */
  options: ImageRecipeFile;
  /** Whether the folder has a Dockerfile (the online form). */
  hasDockerfile: boolean;
  /** Files the hash covers, sorted by name. */
  files: string[];
  /** sha256 (hex) over the recipe files; the image label `sandbench.recipe-hash`. */
  hash: string;
}

/** The folder recipe inputs are read from: `SANDBENCH_DATA`, else `shared/data` beside the package's folder. */
export function recipeDataRoot(): string {
  return process.env.SANDBENCH_DATA ?? join(packageRoot(), '..', 'shared', 'data');
}

/** Where one recipe input is on this machine: a file under the data folder, a package folder, or sandbench's own folder. */
export function recipeInputPath(input: RecipeInput, dataRoot = recipeDataRoot()): string {
  if ('sandbench' in input) return packageRoot();
  return 'package' in input ? recipePackagePath(input.package) : join(dataRoot, input.data);
}

/** The error for a recipe input that is not where it should be on this machine (either build form needs it). */
export function recipeInputMissingError(recipeName: string, input: RecipeInput, path: string): SandboxError {
  if ('sandbench' in input) {
    return new SandboxError(`image ${recipeName} needs this sandbench built at ${path} (./sandbench --setup)`, { code: 'sandbox-failure', details: { input: 'sandbench', path } });
  }
  if ('package' in input) {
    return new SandboxError(
      `image ${recipeName} needs the npm package ${input.package}, not found at ${path} (it is pinned in sandbench's package.json: run npm ci)`,
      { code: 'sandbox-failure', details: { input: recipeInputLabel(input), path } },
    );
  }
  return new SandboxError(
    `image ${recipeName} needs ${input.data} from the data folder, not found at ${path} (set SANDBENCH_DATA to the folder holding it)`,
    { code: 'sandbox-failure', details: { input: input.data, path } },
  );
}

/** The folder of an npm package in sandbench's own `node_modules`. */
export function recipePackagePath(name: string): string {
  return join(packageRoot(), 'node_modules', ...name.split('/'));
}

/** A short name of an input for messages and the hash: its data path, or `npm:<package>`. */
export function recipeInputLabel(input: RecipeInput): string {
  if ('sandbench' in input) return 'sandbench';
  return 'package' in input ? `npm:${input.package}` : input.data;
}

/** Every regular file under `folder`, as sorted relative paths (symbolic links are not followed). */
export function filesUnder(folder: string): string[] {
  const found: string[] = [];
  const walk = (relative: string): void => {
    for (const entry of readdirSync(join(folder, relative), { withFileTypes: true })) {
      const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) found.push(path);
    }
  };
  walk('');
  return found.sort();
}

/** The folder holding the image recipes. */
export function imagesRoot(): string {
  return join(packageRoot(), 'images');
}

/** `python` | `sandbench-python` | `sandbench-python:latest` → `python`. */
export function recipeNameOf(nameOrImage: string): string {
  let name = nameOrImage;
  const colon = name.lastIndexOf(':');
  if (colon > 0 && !name.slice(colon).includes('/')) name = name.slice(0, colon);
  if (name.startsWith(IMAGE_PREFIX)) name = name.slice(IMAGE_PREFIX.length);
  return name;
}

/** Parse `packages.txt`: one package per line, `#` starts a comment, blank lines ignored. */
export function parsePackageList(text: string, file = 'packages.txt'): string[] {
  const packages: string[] = [];
  text.split('\n').forEach((line, index) => {
    const cleaned = line.replace(/#.*/, '').trim();
    if (cleaned === '') return;
    if (!debianPackageName.test(cleaned)) {
      throw new InvalidInputError(`${file}:${index + 1}: '${cleaned}' is not a Debian package name`, {
        details: { file, line: index + 1 },
      });
    }
    packages.push(cleaned);
  });
  return packages;
}

/**
 * sha256 over the recipe files, sorted by name. Each file contributes its name, its byte
 * length and its bytes, so renaming or moving bytes between files changes the hash; the
 * builder's format version is mixed in first.
 */
export function hashRecipeFiles(folder: string, files: ReadonlyArray<string>, inputs: ReadonlyArray<RecipeInput> = []): string {
  const hash = createHash('sha256');
  hash.update(`sandbench-image-recipe\0${RECIPE_FORMAT_VERSION}\0`);
  for (const file of [...files].sort()) {
    const bytes = readFileSync(join(folder, file));
    hash.update(`${file}\0${bytes.byteLength}\0`);
    hash.update(bytes);
  }
  // Inputs live outside the folder; a recipe without any hashes as it always did.
  for (const input of inputs) {
    if ('sandbench' in input) {
      hashSandbenchInstall(hash, input.sandbench);
      continue;
    }
    const path = recipeInputPath(input);
    if ('package' in input) {
      // A package folder: each file's path, length and bytes, in sorted order.
      const files = existsSync(path) && statSync(path).isDirectory() ? filesUnder(path) : undefined;
      hash.update(`package:${input.package}\0${input.to}\0${files === undefined ? 'missing' : files.length}\0`);
      for (const file of files ?? []) {
        const bytes = readFileSync(join(path, file));
        hash.update(`${file}\0${bytes.byteLength}\0`);
        hash.update(bytes);
      }
      continue;
    }
    const bytes = existsSync(path) ? readFileSync(path) : undefined;
    hash.update(`input:${input.data}\0${bytes === undefined ? 'missing' : bytes.byteLength}\0`);
    if (bytes) hash.update(bytes);
  }
  return hash.digest('hex');
}

/** The files of a recipe folder the hash covers: every regular, non-hidden file. */
export function recipeFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort();
}

/** Load and validate one recipe folder. */
export function loadImageRecipe(folder: string, name: string): ImageRecipe {
  const packagesFile = join(folder, 'packages.txt');
  if (!existsSync(packagesFile)) {
    throw new InvalidInputError(`${folder}: no packages.txt (the offline recipe)`, { details: { folder } });
  }
  const packages = parsePackageList(readFileSync(packagesFile, 'utf8'), packagesFile);
  if (packages.length === 0) {
    throw new InvalidInputError(`${packagesFile}: lists no packages`, { details: { file: packagesFile } });
  }
  let options: ImageRecipeFile = {};
  const recipeFile = join(folder, 'recipe.json');
  if (existsSync(recipeFile)) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(recipeFile, 'utf8'));
    } catch (error) {
      throw new InvalidInputError(`${recipeFile}: not valid JSON: ${(error as Error).message}`, {
        details: { file: recipeFile },
        cause: error,
      });
    }
    const parsed = imageRecipeFileSchema.safeParse(raw);
    if (!parsed.success) {
      throw new InvalidInputError(`${recipeFile}: ${formatZodIssues(parsed.error.issues)}`, { details: { file: recipeFile } });
    }
    options = parsed.data;
  }
  const files = recipeFiles(folder);
  const image = IMAGE_PREFIX + name;
  return {
    name,
    image,
    reference: `${image}:${IMAGE_TAG}`,
    folder,
    packages,
    options,
    hasDockerfile: files.includes('Dockerfile'),
    files,
    // Computed on first read: listing recipes (doctor, a build of some images) must not hash
    // the inputs of those it skips, such as the service image's whole sandbench install.
    get hash(): string {
      const value = hashRecipeFiles(folder, files, options.inputs);
      Object.defineProperty(this, 'hash', { value, enumerable: true });
      return value;
    },
  };
}

/** Every recipe under `root` (a folder with a `packages.txt`), sorted by name. */
export function listImageRecipes(root = imagesRoot()): ImageRecipe[] {
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((entry) => {
      const folder = join(root, entry);
      return statSync(folder).isDirectory() && existsSync(join(folder, 'packages.txt'));
    })
    .sort()
    .map((entry) => loadImageRecipe(join(root, entry), entry));
}

/** The recipes of the images programs run in (role `sandbox`), sorted by name. */
export function listSandboxImageRecipes(root = imagesRoot()): ImageRecipe[] {
  return listImageRecipes(root).filter(isSandboxImageRecipe);
}

/** Whether programs run in the recipe's image (role `sandbox`, the default). */
export function isSandboxImageRecipe(recipe: Pick<ImageRecipe, 'options'>): boolean {
  return (recipe.options.role ?? 'sandbox') === 'sandbox';
}

/**
 * The recipes for `names` (folder or image names; every sandbox image when empty: a service
 * image is built only when named), or an error naming the images that exist.
 */
export function selectImageRecipes(names: ReadonlyArray<string> | undefined, root = imagesRoot()): ImageRecipe[] {
  const all = listImageRecipes(root);
  if (!names || names.length === 0) return all.filter(isSandboxImageRecipe);
  const wanted = [...new Set(names.map(recipeNameOf))];
  return wanted.map((name) => {
    const recipe = all.find((candidate) => candidate.name === name);
    if (!recipe) {
      throw new InvalidInputError(`no image recipe '${name}' (have: ${all.map((r) => r.name).join(', ') || 'none'})`, {
        details: { name },
      });
    }
    return recipe;
  });
}

/**
 * The error for a sandbench image the engine does not have (code `image-missing`), naming the
 * command that builds it. For the Docker backend, when creating a container fails with 404.
 */
export function imageMissingError(imageOrName: string, cause?: unknown): SandboxError {
  const name = recipeNameOf(imageOrName);
  const reference = `${IMAGE_PREFIX}${name}:${IMAGE_TAG}`;
  return new SandboxError(`image ${reference} is missing from the Docker engine: build it with ./sandbench images build ${name}`, {
    code: 'image-missing',
    details: { image: reference, fix: `./sandbench images build ${name}` },
    cause,
  });
}
