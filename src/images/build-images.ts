import { tmpdir } from 'node:os';
import type Dockerode from 'dockerode';
import type pino from 'pino';
import { SandboxError } from '../errors/sandbench-error.ts';
import { silentLogger } from '../logging/silent-logger.ts';
import { buildOffline } from './build-offline.ts';
import { buildOnline } from './build-online.ts';
import { defaultDebianMirror } from './default-debian-mirror.ts';
import { createDockerClient, pingDocker } from './docker-client.ts';
import {
  buildingLine,
  builtLine,
  builtReport,
  buildReason,
  failedLine,
  imageBuildFailure,
  skippedReport,
  upToDateLine,
  type BuildPhases,
  type ImageBuildReport,
} from './image-build-report.ts';
import { RECIPE_HASH_LABEL, selectImageRecipes, type ImageRecipe } from './image-recipes.ts';
import { inspectSandbenchImage } from './inspect-sandbench-image.ts';
import { verifyImage } from './verify-image.ts';

/** Options for `buildImages`. */
export interface BuildImagesOptions {
  /** Folder or image names (`python`, `sandbench-gcc`); all recipes when absent or empty. */
  names?: string[];
  /**
   * `true` (the default): debootstrap + `docker import`, needs only a Debian mirror and root.
   * `false`: build the Dockerfile, which pulls `debian:bookworm-slim` from a registry.
   */
  offline?: boolean;
  /** Rebuild even when the image's recipe-hash label matches. */
  force?: boolean;
  /** Engine client; `createDockerClient()` when absent. */
  docker?: Dockerode;
  /** Logger; silent when absent. */
  logger?: pino.Logger;
  /** Receives each line of build output, prefixed with the image name. */
  onProgress?: (line: string) => void;
  /** Debian mirror for debootstrap (see `defaultDebianMirror`). */
  mirror?: string;
  /**
   * Parent folder for the debootstrap trees and the online builds' staged contexts (default: the
   * OS temp folder). Must allow exec and device files.
   */
  workDir?: string;
  /** Builds run at the same time (default 2; measured faster than 1 on 2 cores, see images/README.md). */
  concurrency?: number;
  /** Skip running the recipe's `verify` commands in the new image. */
  skipVerify?: boolean;
}

/**
 * Build the sandbench images (or skip those whose `sandbench.recipe-hash` label already
 * matches their recipe). Offline by default: `debootstrap --variant=minbase` into a temporary
 * folder, trim it, stream it as a tar into `docker import`. Throws a `SandboxError` naming
 * every image that failed, after the others have finished.
 */
export async function buildImages(options: BuildImagesOptions = {}): Promise<ImageBuildReport[]> {
  const logger = options.logger ?? silentLogger;
  const recipes = selectImageRecipes(options.names);
  const docker = options.docker ?? createDockerClient();
  const ping = await pingDocker(docker, 5000);
  if (!ping.ok) throw new SandboxError(ping.message, { code: 'sandbox-unavailable' });
  const offline = options.offline ?? true;
  const context: BuildContext = {
    docker,
    logger,
    progress: options.onProgress ?? (() => undefined),
    offline,
    force: options.force ?? false,
    mirror: options.mirror ?? defaultDebianMirror(),
    workDir: options.workDir ?? tmpdir(),
    verify: !(options.skipVerify ?? false),
  };

  const concurrency = Math.max(1, Math.min(options.concurrency ?? 2, recipes.length || 1));
  const reports = new Array<ImageBuildReport | undefined>(recipes.length);
  const failures: Array<{ name: string; error: unknown }> = [];
  let next = 0;
  // Each worker takes the next recipe until none is left; reports keep the recipes' order.
  async function worker(): Promise<void> {
    while (next < recipes.length) {
      const index = next++;
      const recipe = recipes[index]!;
      try {
        reports[index] = await buildOne(recipe, context);
      } catch (error) {
        logger.error({ image: recipe.reference, err: error }, 'image build failed');
        context.progress(failedLine(recipe.name, error));
        failures.push({ name: recipe.name, error });
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  if (failures.length > 0) throw imageBuildFailure(failures, reports);
  return reports as ImageBuildReport[];
}

interface BuildContext {
  docker: Dockerode;
  logger: pino.Logger;
  progress: (line: string) => void;
  offline: boolean;
  force: boolean;
  mirror: string;
  workDir: string;
  verify: boolean;
}

/** Skip, or build, check and verify one image; the old image is removed once the tag moved. */
async function buildOne(recipe: ImageRecipe, context: BuildContext): Promise<ImageBuildReport> {
  const started = performance.now();
  const log = context.logger.child({ image: recipe.reference });
  const existing = await inspectSandbenchImage(context.docker, recipe.reference);
  const reason = buildReason(existing, recipe.hash, context.force);
  if (reason === undefined) {
    // Only an existing image that carries the recipe hash needs no build.
    context.progress(upToDateLine(recipe));
    log.info({ hash: recipe.hash }, 'image up to date, build skipped');
    return skippedReport(recipe, existing!, Math.round(performance.now() - started));
  }
  const mode = context.offline ? 'offline' : 'online';
  context.progress(buildingLine(recipe, reason, mode));
  log.info({ hash: recipe.hash, reason, offline: context.offline }, 'building image');

  let phases: BuildPhases;
  if (context.offline) {
    phases = await buildOffline(recipe, {
      docker: context.docker,
      logger: context.logger,
      progress: context.progress,
      mirror: context.mirror,
      workDir: context.workDir,
    });
  } else {
    const buildStarted = performance.now();
    await buildOnline(recipe, context.docker, context.progress, context.workDir);
    phases = { build: Math.round(performance.now() - buildStarted) };
  }

  const built = await inspectSandbenchImage(context.docker, recipe.reference);
  if (!built || built.hash !== recipe.hash) {
    throw new SandboxError(`${recipe.reference}: built, but the image does not carry label ${RECIPE_HASH_LABEL}=${recipe.hash}`, {
      code: 'sandbox-failure',
    });
  }
  if (context.verify) {
    const verifyStarted = performance.now();
    await verifyImage(recipe, context.docker, context.progress);
    phases.verify = Math.round(performance.now() - verifyStarted);
  }
  // The tag moved to the new image: drop the old one if nothing else uses it.
  if (existing && existing.id !== built.id) {
    await context.docker
      .getImage(existing.id)
      .remove()
      .catch(() => undefined);
  }
  const durationMs = Math.round(performance.now() - started);
  context.progress(builtLine(recipe, durationMs, built.sizeBytes));
  log.info({ durationMs, sizeBytes: built.sizeBytes }, 'image built');
  return builtReport(recipe, built, { mode, reason, durationMs, phases });
}
