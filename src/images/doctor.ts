import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type Dockerode from 'dockerode';
import { execa } from 'execa';
import { errorMessage } from '../errors/sandbench-error.ts';
import { packageRoot } from '../runtimes/package-root.ts';
import { inspectSandbenchImage } from './inspect-sandbench-image.ts';
import {
  createDockerClient,
  dockerEndpoint,
  INSTALL_DOCKER_COMMAND,
  pingDocker,
  START_DOCKER_COMMAND,
  type DockerPingResult,
} from './docker-client.ts';
import { listSandboxImageRecipes } from './image-recipes.ts';

/** Minimum Node major version (isolated-vm 7 needs it). */
export const MINIMUM_NODE_MAJOR = 24;

export type DoctorStatus = 'ok' | 'warn' | 'fail';

/** One line of the doctor's verdict. */
export interface DoctorCheck {
  /** Stable id: `node`, `isolated-vm`, `docker`, `image:python`, `debootstrap`. */
  id: string;
  status: DoctorStatus;
  /** What was found, one line. */
  detail: string;
  /** The exact command that fixes the problem (absent when `ok`). */
  fix?: string;
}

/** State of one sandbench image in the engine. */
export interface DoctorImage {
  /** Recipe folder name: `python`. */
  name: string;
  /** `sandbench-python:latest`. */
  image: string;
  present: boolean;
  /** The image's `sandbench.recipe-hash` label (absent when the image is missing or unlabelled). */
  labelHash?: string;
  /** The hash of the recipe in `images/<name>/`. */
  recipeHash: string;
  /** Present and built from the current recipe. */
  current: boolean;
  sizeBytes?: number;
}

/** Everything `sandbench doctor` found. */
export interface DoctorReport {
  /** No check failed (warnings allowed). */
  ok: boolean;
  node: { version: string; ok: boolean };
  isolatedVm: { resolved: boolean; loadable: boolean; version?: string; message?: string };
  docker: DockerPingResult & { endpoint: string };
  /** Empty when the engine is unreachable (nothing to inspect). */
  images: DoctorImage[];
  /** Every check in display order, each failure with its fix. */
  checks: DoctorCheck[];
}

export interface DoctorOptions {
  docker?: Dockerode;
  /** Engine ping timeout (default 3000 ms). */
  timeoutMs?: number;
}

/** Check Node, isolated-vm, the Docker engine and the images; never throws for a failed check. */
export async function doctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];

  const nodeVersion = process.versions.node;
  const nodeOk = Number(nodeVersion.split('.')[0]) >= MINIMUM_NODE_MAJOR;
  checks.push(
    nodeOk
      ? { id: 'node', status: 'ok', detail: `Node ${nodeVersion} (need ${MINIMUM_NODE_MAJOR}+)` }
      : {
          id: 'node',
          status: 'fail',
          detail: `Node ${nodeVersion} is too old: isolated-vm 7 needs Node ${MINIMUM_NODE_MAJOR}+`,
          fix: './sandbench --setup   # the wrapper fetches Node 24 from the npm registry',
        },
  );

  const isolatedVm = await checkIsolatedVm();
  checks.push(
    isolatedVm.loadable
      ? { id: 'isolated-vm', status: 'ok', detail: `isolated-vm ${isolatedVm.version ?? '?'} loads (checked in a child process)` }
      : {
          id: 'isolated-vm',
          status: 'fail',
          detail: `isolated-vm ${isolatedVm.resolved ? 'does not load' : 'is not installed'}: ${isolatedVm.message ?? ''}`.trim(),
          fix: isolatedVm.resolved ? 'npm rebuild isolated-vm' : 'npm ci',
        },
  );

  const docker = options.docker ?? createDockerClient();
  const ping = await pingDocker(docker, options.timeoutMs ?? 3000);
  const endpoint = dockerEndpoint(docker);
  if (ping.ok) {
    checks.push({
      id: 'docker',
      status: 'ok',
      detail: `Docker engine ${ping.version} (API ${ping.apiVersion}, cgroup v${ping.cgroupVersion}, ${ping.cgroupDriver} driver) at ${endpoint}`,
    });
  } else {
    checks.push({ id: 'docker', status: 'fail', detail: ping.message, fix: dockerFix() });
  }

  const images: DoctorImage[] = [];
  let recipesError: string | undefined;
  let recipes: ReturnType<typeof listSandboxImageRecipes> = [];
  try {
    recipes = listSandboxImageRecipes();
  } catch (error) {
    recipesError = errorMessage(error);
    checks.push({ id: 'images', status: 'fail', detail: `image recipes are invalid: ${recipesError}` });
  }
  if (ping.ok) {
    for (const recipe of recipes) {
      let existing: Awaited<ReturnType<typeof inspectSandbenchImage>>;
      try {
        existing = await inspectSandbenchImage(docker, recipe.reference);
      } catch (error) {
        checks.push({ id: `image:${recipe.name}`, status: 'fail', detail: `${recipe.reference}: cannot inspect: ${errorMessage(error)}` });
        continue;
      }
      const image: DoctorImage = {
        name: recipe.name,
        image: recipe.reference,
        present: existing !== undefined,
        recipeHash: recipe.hash,
        current: existing !== undefined && existing.hash === recipe.hash,
      };
      if (existing?.hash !== undefined) image.labelHash = existing.hash;
      if (existing) image.sizeBytes = existing.sizeBytes;
      images.push(image);
      const fix = `./sandbench images build ${recipe.name}`;
      if (!image.present) {
        checks.push({ id: `image:${recipe.name}`, status: 'fail', detail: `image ${recipe.reference} is missing`, fix });
      } else if (!image.current) {
        checks.push({
          id: `image:${recipe.name}`,
          status: 'warn',
          detail: `image ${recipe.reference} was built from an older recipe (label ${image.labelHash?.slice(0, 12) ?? 'none'}, recipe ${recipe.hash.slice(0, 12)})`,
          fix,
        });
      } else {
        checks.push({
          id: `image:${recipe.name}`,
          status: 'ok',
          detail: `image ${recipe.reference} is current (${Math.round((image.sizeBytes ?? 0) / 1e6)} MB, recipe ${recipe.hash.slice(0, 12)})`,
        });
      }
    }
    // Building images offline needs debootstrap: say so only when something has to be built.
    if (images.some((image) => !image.current) && !debootstrapInstalled()) {
      checks.push({
        id: 'debootstrap',
        status: 'warn',
        detail: 'debootstrap is not installed: offline image builds need it (or build with --online where a registry is reachable)',
        fix: 'apt-get install -y debootstrap',
      });
    }
  }

  return {
    ok: checks.every((check) => check.status !== 'fail'),
    node: { version: nodeVersion, ok: nodeOk },
    isolatedVm,
    docker: { ...ping, endpoint },
    images,
    checks,
  };
}

function dockerFix(): string {
  const haveDaemon = ['/usr/bin/dockerd', '/usr/sbin/dockerd', '/usr/local/bin/dockerd'].some((path) => existsSync(path));
  return haveDaemon ? START_DOCKER_COMMAND : `${INSTALL_DOCKER_COMMAND} && ${START_DOCKER_COMMAND}`;
}

function debootstrapInstalled(): boolean {
  return ['/usr/sbin/debootstrap', '/usr/bin/debootstrap', '/sbin/debootstrap', '/usr/local/sbin/debootstrap'].some((path) =>
    existsSync(path),
  );
}

/**
 * Resolve isolated-vm from the package root and load it in a child process: a broken native
 * module can abort the process that loads it, so the doctor never loads it itself.
 */
async function checkIsolatedVm(): Promise<DoctorReport['isolatedVm']> {
  let entry: string;
  const root = packageRoot();
  try {
    entry = createRequire(join(root, 'package.json')).resolve('isolated-vm');
  } catch (error) {
    return { resolved: false, loadable: false, message: errorMessage(error) };
  }
  let version: string | undefined;
  try {
    const manifest = JSON.parse(readFileSync(join(dirname(entry), 'package.json'), 'utf8')) as { version?: unknown };
    if (typeof manifest.version === 'string') version = manifest.version;
  } catch {
    // A version is nice to show, not required.
  }
  const probe =
    "const ivm = require('isolated-vm'); const isolate = new ivm.Isolate({ memoryLimit: 16 });" +
    "const result = isolate.compileScriptSync('6 * 7').runSync(isolate.createContextSync()); isolate.dispose();" +
    "if (result !== 42) process.exit(3);";
  const child = await execa(process.execPath, ['-e', probe], { cwd: root, reject: false, timeout: 20_000, all: true });
  const result: DoctorReport['isolatedVm'] = { resolved: true, loadable: child.exitCode === 0 };
  if (version !== undefined) result.version = version;
  if (child.exitCode !== 0) {
    result.message = `${child.timedOut ? 'timed out' : `exit ${child.exitCode ?? child.signal}`}: ${String(child.all ?? '').trim().split('\n').slice(-3).join(' ')}`;
  }
  return result;
}

/** The report as text for a terminal: one line per check, each problem followed by its fix. */
export function formatDoctorReport(report: DoctorReport): string {
  const label: Record<DoctorStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };
  const lines = ['sandbench doctor'];
  for (const check of report.checks) {
    lines.push(`  ${label[check.status]}  ${check.detail}`);
    if (check.fix) lines.push(`        fix: ${check.fix}`);
  }
  const failures = report.checks.filter((check) => check.status === 'fail').length;
  const warnings = report.checks.filter((check) => check.status === 'warn').length;
  lines.push(
    failures === 0 && warnings === 0
      ? 'All checks passed.'
      : `${failures} problem${failures === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}.`,
  );
  return lines.join('\n') + '\n';
}
