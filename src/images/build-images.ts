import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import { execa } from 'execa';
import type pino from 'pino';
import { SandboxError, errorMessage } from '../errors/sandbench-error.ts';
import { silentLogger } from '../logging/silent-logger.ts';
import { createDockerClient, pingDocker } from './docker-client.ts';
import {
  DEBIAN_SUITE,
  IMAGE_NAME_LABEL,
  IMAGE_TAG,
  RECIPE_HASH_LABEL,
  selectImageRecipes,
  type ImageRecipe,
} from './image-recipes.ts';
import { packFolder } from './pack-folder.ts';

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
  /** Parent folder for the debootstrap trees (default: the OS temp folder). Must allow exec and device files. */
  workDir?: string;
  /** Builds run at the same time (default 2; measured faster than 1 on 2 cores, see images/README.md). */
  concurrency?: number;
  /** Skip running the recipe's `verify` commands in the new image. */
  skipVerify?: boolean;
}

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
  mode?: 'offline' | 'online';
  /** Why it was built or skipped (`missing`, `recipe changed`, `forced`, `up to date`). */
  reason: string;
  /** Engine image id (`sha256:…`). */
  imageId: string;
  /** Image size in bytes as the engine reports it. */
  sizeBytes: number;
  /** Wall time for this image, including checks, in milliseconds. */
  durationMs: number;
  /** Where a build's time went, in milliseconds (absent when skipped). */
  phases?: Partial<Record<'debootstrap' | 'trim' | 'import' | 'build' | 'verify', number>>;
}

/** Directory trees the builder always empties in an offline image (docs, caches, apt lists). */
export const DEFAULT_REMOVE = [
  '/var/lib/apt/lists/*',
  '/var/cache/apt/*',
  '/var/cache/debconf/*-old',
  '/var/log/*',
  '/usr/share/doc/*/*',
  '/usr/share/man/*',
  '/usr/share/info/*',
  '/usr/share/locale/*',
  '/usr/share/lintian/*',
  '/usr/share/linda/*',
];
/** Kept despite `DEFAULT_REMOVE`: licence files. */
export const DEFAULT_KEEP = ['/usr/share/doc/*/copyright'];
/** Directories created in every image (mount points for the sandbox's tmpfs). */
export const DEFAULT_DIRECTORIES = ['/work'];
/** PATH of every image. */
export const IMAGE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const FALLBACK_MIRROR = 'http://deb.debian.org/debian';

/**
 * The Debian mirror debootstrap uses: `SANDBENCH_DEBIAN_MIRROR` when set; else the first apt
 * source of this machine that serves the `bookworm` suite itself (deb822 `.sources` files and
 * `sources.list`); else `http://deb.debian.org/debian`.
 */
export function defaultDebianMirror(aptDirectory = '/etc/apt'): string {
  const fromEnvironment = process.env.SANDBENCH_DEBIAN_MIRROR;
  if (fromEnvironment && fromEnvironment.trim() !== '') return fromEnvironment.trim();
  return mirrorFromAptSources(aptDirectory) ?? FALLBACK_MIRROR;
}

/** The first http(s) apt source in `aptDirectory` whose suites include `suite`. */
export function mirrorFromAptSources(aptDirectory = '/etc/apt', suite = DEBIAN_SUITE): string | undefined {
  const texts: Array<{ deb822: boolean; text: string }> = [];
  const read = (file: string, deb822: boolean): void => {
    try {
      texts.push({ deb822, text: readFileSync(file, 'utf8') });
    } catch {
      // Unreadable or absent: not a source.
    }
  };
  read(join(aptDirectory, 'sources.list'), false);
  const partsFolder = join(aptDirectory, 'sources.list.d');
  if (existsSync(partsFolder)) {
    for (const entry of readdirSync(partsFolder).sort()) {
      if (entry.endsWith('.sources')) read(join(partsFolder, entry), true);
      else if (entry.endsWith('.list')) read(join(partsFolder, entry), false);
    }
  }
  for (const { deb822, text } of texts) {
    const found = deb822 ? fromDeb822(text, suite) : fromOneLineFormat(text, suite);
    if (found) return found;
  }
  return undefined;
}

function fromDeb822(text: string, suite: string): string | undefined {
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#')) continue;
      const match = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (match) fields.set(match[1]!.toLowerCase(), match[2]!.trim());
    }
    if (fields.get('enabled')?.toLowerCase() === 'no') continue;
    if (!(fields.get('types') ?? '').split(/\s+/).includes('deb')) continue;
    if (!(fields.get('suites') ?? '').split(/\s+/).includes(suite)) continue;
    const uri = (fields.get('uris') ?? '').split(/\s+/).find((candidate) => /^https?:\/\//.test(candidate));
    if (uri) return uri.replace(/\/+$/, '');
  }
  return undefined;
}

function fromOneLineFormat(text: string, suite: string): string | undefined {
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').replace(/\[[^\]]*\]/, ' ').trim();
    const [type, uri, lineSuite] = line.split(/\s+/);
    if (type === 'deb' && uri && /^https?:\/\//.test(uri) && lineSuite === suite) return uri.replace(/\/+$/, '');
  }
  return undefined;
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
  async function worker(): Promise<void> {
    while (next < recipes.length) {
      const index = next++;
      const recipe = recipes[index]!;
      try {
        reports[index] = await buildOne(recipe, context);
      } catch (error) {
        logger.error({ image: recipe.reference, err: error }, 'image build failed');
        context.progress(`[${recipe.name}] failed: ${errorMessage(error)}`);
        failures.push({ name: recipe.name, error });
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  if (failures.length > 0) {
    const first = failures[0]!;
    throw new SandboxError(
      failures.map((failure) => `image ${failure.name}: ${errorMessage(failure.error)}`).join('; '),
      {
        code: 'sandbox-failure',
        cause: first.error,
        details: { failed: failures.map((failure) => failure.name), reports: reports.filter(Boolean) },
      },
    );
  }
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

interface ExistingImage {
  id: string;
  hash: string | undefined;
  sizeBytes: number;
}

/** The image behind `reference`, or undefined when the engine has none. */
export async function inspectSandbenchImage(docker: Dockerode, reference: string): Promise<ExistingImage | undefined> {
  try {
    const info = await docker.getImage(reference).inspect();
    return { id: info.Id, hash: info.Config?.Labels?.[RECIPE_HASH_LABEL], sizeBytes: info.Size };
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

async function buildOne(recipe: ImageRecipe, context: BuildContext): Promise<ImageBuildReport> {
  const started = performance.now();
  const log = context.logger.child({ image: recipe.reference });
  const existing = await inspectSandbenchImage(context.docker, recipe.reference);
  if (existing && existing.hash === recipe.hash && !context.force) {
    context.progress(`[${recipe.name}] ${recipe.reference} is up to date (recipe ${recipe.hash.slice(0, 12)})`);
    log.info({ hash: recipe.hash }, 'image up to date, build skipped');
    return {
      name: recipe.name,
      image: recipe.reference,
      hash: recipe.hash,
      status: 'skipped',
      reason: 'up to date',
      imageId: existing.id,
      sizeBytes: existing.sizeBytes,
      durationMs: Math.round(performance.now() - started),
    };
  }
  const reason = !existing ? 'missing' : existing.hash === recipe.hash ? 'forced' : 'recipe changed';
  context.progress(`[${recipe.name}] building ${recipe.reference} (${reason}, ${context.offline ? 'offline' : 'online'})`);
  log.info({ hash: recipe.hash, reason, offline: context.offline }, 'building image');

  const phases: NonNullable<ImageBuildReport['phases']> = {};
  if (context.offline) await buildOffline(recipe, context, phases);
  else {
    const buildStarted = performance.now();
    await buildOnline(recipe, context);
    phases.build = Math.round(performance.now() - buildStarted);
  }

  const built = await inspectSandbenchImage(context.docker, recipe.reference);
  if (!built || built.hash !== recipe.hash) {
    throw new SandboxError(`${recipe.reference}: built, but the image does not carry label ${RECIPE_HASH_LABEL}=${recipe.hash}`, {
      code: 'sandbox-failure',
    });
  }
  if (context.verify) {
    const verifyStarted = performance.now();
    await verifyImage(recipe, context);
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
  context.progress(
    `[${recipe.name}] built ${recipe.reference} in ${(durationMs / 1000).toFixed(1)} s, ${(built.sizeBytes / 1e6).toFixed(0)} MB`,
  );
  log.info({ durationMs, sizeBytes: built.sizeBytes }, 'image built');
  return {
    name: recipe.name,
    image: recipe.reference,
    hash: recipe.hash,
    status: 'built',
    mode: context.offline ? 'offline' : 'online',
    reason,
    imageId: built.id,
    sizeBytes: built.sizeBytes,
    durationMs,
    phases,
  };
}

// ---------------------------------------------------------------------------------------------
// Offline: debootstrap → trim → tar-stream → docker import

async function buildOffline(
  recipe: ImageRecipe,
  context: BuildContext,
  phases: NonNullable<ImageBuildReport['phases']>,
): Promise<void> {
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
  await mkdir(context.workDir, { recursive: true });
  const root = await mkdtemp(join(context.workDir, `sandbench-image-${recipe.name}-`));
  try {
    const args = [
      '--variant=minbase',
      `--include=${recipe.packages.join(',')}`,
      DEBIAN_SUITE,
      root,
      context.mirror,
    ];
    context.progress(`[${recipe.name}] debootstrap ${args.join(' ')}`);
    let phaseStarted = performance.now();
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
        context.progress(`[${recipe.name}] ${line}`);
      }
    });
    const result = await child;
    if (result.exitCode !== 0 || result.failed) {
      let logTail = '';
      try {
        logTail = readFileSync(join(root, 'debootstrap', 'debootstrap.log'), 'utf8').split('\n').slice(-15).join('\n');
      } catch {
        // debootstrap removes its log on success only; absent when it failed early.
      }
      throw new SandboxError(
        `debootstrap failed for ${recipe.reference} (mirror ${context.mirror}; set SANDBENCH_DEBIAN_MIRROR to use another): ` +
          `${result.timedOut ? 'timed out' : `exit ${result.exitCode ?? result.signal}`}\n${tail.join('\n')}${logTail ? '\n' + logTail : ''}`,
        { code: 'sandbox-failure', details: { mirror: context.mirror, packages: recipe.packages } },
      );
    }
    phases.debootstrap = Math.round(performance.now() - phaseStarted);
    phaseStarted = performance.now();
    await unmountUnder(root);
    await trimRootFilesystem(root, recipe);
    phases.trim = Math.round(performance.now() - phaseStarted);
    context.progress(`[${recipe.name}] importing into the engine as ${recipe.reference}`);
    phaseStarted = performance.now();
    await importFolder(context.docker, root, recipe, context);
    phases.import = Math.round(performance.now() - phaseStarted);
  } finally {
    await unmountUnder(root).catch(() => undefined);
    await rm(root, { recursive: true, force: true, maxRetries: 2 });
  }
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

/** Does `path` (absolute, inside the image) match `pattern` (`*` within one segment)? */
export function matchesImagePattern(pattern: string, path: string): boolean {
  const patternParts = pattern.split('/');
  const pathParts = path.split('/');
  if (patternParts.length !== pathParts.length) return false;
  return patternParts.every((part, index) => segmentMatches(part, pathParts[index]!));
}

function segmentMatches(pattern: string, segment: string): boolean {
  if (!pattern.includes('*')) return pattern === segment;
  const expression = new RegExp('^' + pattern.split('*').map((piece) => piece.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*') + '$');
  return expression.test(segment);
}

/** Expand an image pattern to the existing paths it names (relative to `root`). */
async function expandPattern(root: string, pattern: string): Promise<string[]> {
  const parts = pattern.split('/').filter((part) => part !== '');
  let current = [''];
  for (const part of parts) {
    const nextPaths: string[] = [];
    for (const base of current) {
      if (!part.includes('*')) {
        const candidate = `${base}/${part}`;
        if (await exists(join(root, candidate))) nextPaths.push(candidate);
        continue;
      }
      let names: string[];
      try {
        names = await readdir(join(root, base));
      } catch {
        continue;
      }
      for (const name of names) if (segmentMatches(part, name)) nextPaths.push(`${base}/${name}`);
    }
    current = nextPaths;
  }
  return current.filter((path) => path !== '');
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Delete docs and caches, create mount points, neutralise host-specific files. */
async function trimRootFilesystem(root: string, recipe: ImageRecipe): Promise<void> {
  const remove = [...DEFAULT_REMOVE, ...(recipe.options.remove ?? [])];
  const keep = [...DEFAULT_KEEP, ...(recipe.options.keep ?? [])];
  for (const pattern of remove) {
    for (const path of await expandPattern(root, pattern)) {
      if (keep.some((kept) => matchesImagePattern(kept, path))) continue;
      await rm(join(root, path), { recursive: true, force: true });
    }
  }
  for (const directory of [...DEFAULT_DIRECTORIES, ...(recipe.options.directories ?? [])]) {
    await mkdir(join(root, directory), { recursive: true });
    // A tmpfs mounted here copies the directory's mode: world-writable and sticky, like /tmp.
    await chmod(join(root, directory), 0o1777);
  }
  await mkdir(join(root, 'tmp'), { recursive: true });
  await chmod(join(root, 'tmp'), 0o1777);
  // debootstrap copies the build host's name and resolver; the engine bind-mounts its own.
  await writeFile(join(root, 'etc', 'hostname'), 'sandbench\n');
  await writeFile(join(root, 'etc', 'resolv.conf'), '');
}

function imageChanges(recipe: ImageRecipe): string[] {
  const environment: Record<string, string> = { PATH: IMAGE_PATH, ...(recipe.options.env ?? {}) };
  return [
    `LABEL ${IMAGE_NAME_LABEL}=${recipe.image}`,
    `LABEL ${RECIPE_HASH_LABEL}=${recipe.hash}`,
    ...Object.entries(environment).map(([key, value]) => `ENV ${key}=${value}`),
    'WORKDIR /work',
    'CMD ["bash"]',
  ];
}

async function importFolder(docker: Dockerode, root: string, recipe: ImageRecipe, context: BuildContext): Promise<void> {
  const pack = packFolder(root, {
    emptyDirectories: ['proc', 'sys', 'dev', 'run/lock'].filter((path) => existsSync(join(root, path))),
    onSkip: (path, why) => context.logger.debug({ path, why }, 'left out of the image tar'),
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
        context.progress(`[${recipe.name}] imported ${event.status}`);
      }
    });
  } catch (error) {
    if (packError) throw new SandboxError(`packing ${root} failed: ${packError.message}`, { cause: packError });
    throw error;
  }
  if (packError) throw new SandboxError(`packing ${root} failed: ${packError.message}`, { cause: packError });
}

interface EngineEvent {
  status?: string;
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
  aux?: { ID?: string };
}

/** Read a JSON-lines progress stream from the engine; reject on the first error event. */
async function followEngineProgress(
  docker: Dockerode,
  stream: NodeJS.ReadableStream,
  onEvent: (event: EngineEvent) => void,
): Promise<EngineEvent[]> {
  return new Promise<EngineEvent[]>((resolve, reject) => {
    docker.modem.followProgress(
      stream,
      (error: Error | null, output: EngineEvent[]) => {
        if (error) return reject(error);
        const failed = output.find((event) => event.error || event.errorDetail);
        if (failed) return reject(new SandboxError(failed.errorDetail?.message ?? failed.error ?? 'engine reported an error'));
        resolve(output);
      },
      (event: EngineEvent) => onEvent(event),
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Online: the Dockerfile, built by the engine (needs a registry for debian:bookworm-slim)

async function buildOnline(recipe: ImageRecipe, context: BuildContext): Promise<void> {
  if (!recipe.hasDockerfile) {
    throw new SandboxError(`${recipe.folder} has no Dockerfile: build it offline`, { code: 'unsupported' });
  }
  const contextTar = packFolder(recipe.folder);
  const response = await context.docker.buildImage(contextTar as unknown as NodeJS.ReadableStream, {
    t: recipe.reference,
    buildargs: { SANDBENCH_IMAGE: recipe.image, SANDBENCH_RECIPE_HASH: recipe.hash },
    rm: true,
    forcerm: true,
    // The RUN step needs the Debian mirror; engines started with --bridge=none have no default
    // bridge network, so the build uses the host's network.
    networkmode: 'host',
  });
  await followEngineProgress(context.docker, response, (event) => {
    const line = (event.stream ?? event.status ?? '').trimEnd();
    if (line !== '') context.progress(`[${recipe.name}] ${line}`);
  });
}

// ---------------------------------------------------------------------------------------------
// Verification: each recipe's `verify` commands, under the sandbox's constraints

async function verifyImage(recipe: ImageRecipe, context: BuildContext): Promise<void> {
  for (const command of recipe.options.verify ?? []) {
    const { exitCode, output } = await runInImage(context.docker, recipe.reference, command);
    if (exitCode !== 0) {
      throw new SandboxError(`${recipe.reference}: check \`${command.join(' ')}\` exited ${exitCode}: ${output.trim()}`, {
        code: 'sandbox-failure',
      });
    }
    context.progress(`[${recipe.name}] check ok: ${command.join(' ')} → ${output.trim().split('\n')[0] ?? ''}`);
  }
}

/**
 * Run one command in a throwaway container of `image` as nobody, read-only, without network,
 * with a tmpfs work directory; returns its exit code and combined output.
 */
export async function runInImage(
  docker: Dockerode,
  image: string,
  command: string[],
  options: { workdirExec?: boolean; timeoutMs?: number } = {},
): Promise<{ exitCode: number; output: string }> {
  const container = await docker.createContainer({
    Image: image,
    Cmd: command,
    User: '65534:65534',
    WorkingDir: '/work',
    NetworkDisabled: true,
    HostConfig: {
      NetworkMode: 'none',
      ReadonlyRootfs: true,
      Tmpfs: {
        '/work': `rw,${options.workdirExec ? 'exec' : 'noexec'},nosuid,nodev,size=64m,mode=1777`,
        '/tmp': 'rw,noexec,nosuid,nodev,size=64m,mode=1777',
      },
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Memory: 512 * 1024 * 1024,
      PidsLimit: 64,
    },
  });
  try {
    await container.start();
    const timeoutMs = options.timeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const waited = await Promise.race([
      container.wait() as Promise<{ StatusCode: number }>,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new SandboxError(`${image}: \`${command.join(' ')}\` did not finish in ${timeoutMs} ms`)), timeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
    const logs = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    return { exitCode: waited.StatusCode, output: demultiplex(logs) };
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/** Docker's log stream without a TTY: 8-byte frame headers (stream, 0, 0, 0, size32). */
function demultiplex(buffer: Buffer): string {
  const chunks: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(offset + 4);
    chunks.push(buffer.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(chunks).toString('utf8');
}
