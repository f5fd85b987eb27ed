import { existsSync } from 'node:fs';
import Dockerode from 'dockerode';

/** What `pingDocker` learned about a reachable engine. */
export interface DockerPingSuccess {
  ok: true;
  /** Engine version, e.g. `20.10.24+dfsg1`. */
  version: string;
  /** Engine API version, e.g. `1.41`. */
  apiVersion: string;
  /** Cgroup version the engine runs containers under: `1`, `2`, or `unknown`. */
  cgroupVersion: string;
  /** Cgroup driver: `cgroupfs`, `systemd`, or `unknown`. */
  cgroupDriver: string;
}

/** Why the engine could not be used; `message` says how to start one. */
export interface DockerPingFailure {
  ok: false;
  /** One paragraph: what failed, where, and the command that fixes it. */
  message: string;
}

export type DockerPingResult = DockerPingSuccess | DockerPingFailure;

/** The command that starts an engine on a bare Debian machine (sandbox containers need no bridge). */
export const START_DOCKER_COMMAND = 'dockerd --bridge=none --iptables=false > /var/log/dockerd.log 2>&1 &';
/** The command that installs an engine on Debian or Ubuntu. */
export const INSTALL_DOCKER_COMMAND = 'apt-get install -y docker.io';

/**
 * A Docker client for the engine the user means: `DOCKER_HOST` when set (unix://, tcp://,
 * with DOCKER_TLS_VERIFY / DOCKER_CERT_PATH honoured by docker-modem), else the default
 * socket (`/var/run/docker.sock`, or Docker Desktop's per-user socket).
 */
export function createDockerClient(): Dockerode {
  return new Dockerode();
}

/** Where `docker` connects (or, without a client, where `createDockerClient()` would), for messages. */
export function dockerEndpoint(docker?: Dockerode): string {
  const modem = docker?.modem as { socketPath?: unknown; host?: unknown; port?: unknown; protocol?: unknown } | undefined;
  if (modem && typeof modem.socketPath === 'string') return `unix://${modem.socketPath}`;
  if (modem && typeof modem.host === 'string') {
    return `${typeof modem.protocol === 'string' ? modem.protocol : 'tcp'}://${modem.host}${modem.port ? `:${String(modem.port)}` : ''}`;
  }
  return process.env.DOCKER_HOST && process.env.DOCKER_HOST !== '' ? process.env.DOCKER_HOST : 'unix:///var/run/docker.sock';
}

interface EngineInfo {
  CgroupVersion?: string;
  CgroupDriver?: string;
}

type CallWithSignal<T> = (options: { abortSignal: AbortSignal }) => Promise<T>;

/**
 * Ask the engine for its version and cgroup setup. Never hangs: a request that has not
 * answered within `timeoutMs` is aborted and reported as a failure. Never throws.
 */
export async function pingDocker(docker: Dockerode, timeoutMs = 3000): Promise<DockerPingResult> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    // dockerode accepts an abortSignal on these calls; its typings omit the options argument.
    const version = (docker.version as unknown as CallWithSignal<Dockerode.DockerVersion>).call(docker, {
      abortSignal: controller.signal,
    });
    const info = (docker.info as unknown as CallWithSignal<EngineInfo>).call(docker, { abortSignal: controller.signal });
    // Attach handlers now so a late rejection after the deadline is never unhandled.
    version.catch(() => undefined);
    info.catch(() => undefined);
    const [versionBody, infoBody] = await Promise.race([Promise.all([version, info]), deadline]);
    return {
      ok: true,
      version: versionBody.Version,
      apiVersion: versionBody.ApiVersion,
      cgroupVersion: infoBody.CgroupVersion ?? 'unknown',
      cgroupDriver: infoBody.CgroupDriver ?? 'unknown',
    };
  } catch (error) {
    return { ok: false, message: unreachableMessage(error, dockerEndpoint(docker)) };
  } finally {
    clearTimeout(timer);
  }
}

function unreachableMessage(error: unknown, endpoint: string): string {
  const code = (error as { code?: string } | null)?.code;
  const reason = error instanceof Error ? error.message : String(error);
  if (code === 'EACCES') {
    return (
      `Docker engine at ${endpoint} refused access (${reason}). Run as root, or add your user to the ` +
      `'docker' group: usermod -aG docker "$USER" (then log in again).`
    );
  }
  const socketPath = endpoint.startsWith('unix://') ? endpoint.slice('unix://'.length) : undefined;
  const haveDaemon = ['/usr/bin/dockerd', '/usr/sbin/dockerd', '/usr/local/bin/dockerd'].some((path) => existsSync(path));
  const start = haveDaemon ? START_DOCKER_COMMAND : `${INSTALL_DOCKER_COMMAND} && ${START_DOCKER_COMMAND}`;
  const where = socketPath && !existsSync(socketPath) ? `no socket at ${socketPath}` : reason;
  return (
    `Docker engine not reachable at ${endpoint} (${where}). Start one with: ${start}` +
    ` (or run .ci/docker-setup.sh), or point DOCKER_HOST at a running engine.`
  );
}
