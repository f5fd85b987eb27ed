import { SandboxError, errorMessage } from '../errors/sandbench-error.ts';
import type { ImageRecipe } from './image-recipes.ts';
import type { EngineImage } from './inspect-sandbench-image.ts';

/** How an image is built: debootstrap + `docker import`, or the Dockerfile. */
export type BuildMode = 'offline' | 'online';

/** Why an image is built. */
export type BuildReason = 'missing' | 'recipe changed' | 'forced';

/** Where a build's time went, in milliseconds. */
export type BuildPhases = Partial<Record<'debootstrap' | 'trim' | 'import' | 'build' | 'verify', number>>;

/** What happened to one image. */
export interface ImageBuildReport {
  /** Recipe folder name: `python`. */
  name: string;
  /** Image reference: `sandbench-python:latest`. */
  image: string;
  /** Recipe hash the image is labelled with. */
  hash: string;
  /** `built`: a new image was made; `skipped`: the existing one already carried this hash. */
  status: 'built' | 'skipped';
  /** How it was built; absent when skipped. */
  mode?: BuildMode;
  /** Why it was built or skipped (`missing`, `recipe changed`, `forced`, `up to date`). */
  reason: string;
  /** Engine image id (`sha256:…`). */
  imageId: string;
  /** Image size in bytes as the engine reports it. */
  sizeBytes: number;
  /** Wall time for this image, including checks, in milliseconds. */
  durationMs: number;
  /** Where a build's time went, in milliseconds (absent when skipped). */
  phases?: BuildPhases;
}

/** The part of a recipe a report names. */
export type ReportedRecipe = Pick<ImageRecipe, 'name' | 'reference' | 'hash'>;

/** Why `existing` must be rebuilt for a recipe hashing to `hash`, or undefined when it is current. */
export function buildReason(existing: EngineImage | undefined, hash: string, force: boolean): BuildReason | undefined {
  if (!existing) return 'missing';
  if (existing.hash !== hash) return 'recipe changed';
  return force ? 'forced' : undefined;
}

/** The report of an image left as it was. Key order is the JSON the CLI prints. */
export function skippedReport(recipe: ReportedRecipe, existing: EngineImage, durationMs: number): ImageBuildReport {
  return {
    name: recipe.name,
    image: recipe.reference,
    hash: recipe.hash,
    status: 'skipped',
    reason: 'up to date',
    imageId: existing.id,
    sizeBytes: existing.sizeBytes,
    durationMs,
  };
}

/** The report of a new image. Key order is the JSON the CLI prints. */
export function builtReport(
  recipe: ReportedRecipe,
  built: EngineImage,
  how: { mode: BuildMode; reason: BuildReason; durationMs: number; phases: BuildPhases },
): ImageBuildReport {
  return {
    name: recipe.name,
    image: recipe.reference,
    hash: recipe.hash,
    status: 'built',
    mode: how.mode,
    reason: how.reason,
    imageId: built.id,
    sizeBytes: built.sizeBytes,
    durationMs: how.durationMs,
    phases: how.phases,
  };
}

/** Progress line: the image already carries its recipe hash. */
export function upToDateLine(recipe: ReportedRecipe): string {
  return `[${recipe.name}] ${recipe.reference} is up to date (recipe ${recipe.hash.slice(0, 12)})`;
}

/** Progress line: a build starts. */
export function buildingLine(recipe: ReportedRecipe, reason: BuildReason, mode: BuildMode): string {
  return `[${recipe.name}] building ${recipe.reference} (${reason}, ${mode})`;
}

/** Progress line: a build finished. */
export function builtLine(recipe: ReportedRecipe, durationMs: number, sizeBytes: number): string {
  return `[${recipe.name}] built ${recipe.reference} in ${(durationMs / 1000).toFixed(1)} s, ${(sizeBytes / 1e6).toFixed(0)} MB`;
}

/** Progress line: a build failed. */
export function failedLine(name: string, error: unknown): string {
  return `[${name}] failed: ${errorMessage(error)}`;
}

/**
 * The error `buildImages` throws after every image has finished: it names each failed image,
 * keeps the first failure as its cause and the reports of the images that did finish.
 */
export function imageBuildFailure(
  failures: ReadonlyArray<{ name: string; error: unknown }>,
  reports: ReadonlyArray<ImageBuildReport | undefined>,
): SandboxError {
  return new SandboxError(failures.map((failure) => `image ${failure.name}: ${errorMessage(failure.error)}`).join('; '), {
    code: 'sandbox-failure',
    cause: failures[0]?.error,
    details: { failed: failures.map((failure) => failure.name), reports: reports.filter(Boolean) },
  });
}
