import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type Dockerode from 'dockerode';
import type { DockerPingResult } from '../../images/docker-client.ts';

/**
 * The engine calls the Docker sandbox makes, with dockerode's names and shapes, so that a
 * `Dockerode` instance serves as one. `createDockerEngine` answers them itself over a local
 * socket: loading dockerode costs about 90 ms of CPU per process (its gRPC and SSH modules),
 * more than a whole job, and a single `sandbench exec` needs none of it.
 */
export interface DockerEngine {
  ping(): Promise<unknown>;
  info(): Promise<unknown>;
  listContainers(options?: { all?: boolean; filters?: Record<string, string[]> }): Promise<Dockerode.ContainerInfo[]>;
  createContainer(options: Dockerode.ContainerCreateOptions): Promise<EngineContainer>;
  getContainer(id: string): EngineContainer;
  listVolumes(options?: { filters?: Record<string, string[]> }): Promise<unknown>;
  createVolume(options: { Name: string; Labels?: Record<string, string> }): Promise<unknown>;
  getVolume(name: string): { remove(): Promise<unknown> };
  getImage(name: string): { inspect(): Promise<{ Id: string }> };
}

/** One container, as the sandbox drives it. */
export interface EngineContainer {
  readonly id: string;
  start(): Promise<unknown>;
  inspect(): Promise<{ State?: unknown }>;
  remove(options?: { force?: boolean; v?: boolean }): Promise<unknown>;
  /** The container's stdio, hijacked from the HTTP connection (multiplexed stdout and stderr). */
  attach(options: { stream: true; stdin: true; stdout: true; stderr: true; hijack: true }): Promise<unknown>;
}

/** An engine error as dockerode shapes it: `statusCode` and a message naming the HTTP code. */
export class EngineError extends Error {
  readonly statusCode: number | undefined;
  readonly json: unknown;
  constructor(message: string, statusCode?: number, json?: unknown, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
    this.statusCode = statusCode;
    this.json = json;
  }
}

/**
 * The engine the user means, as dockerode finds it: `DOCKER_HOST` when set, else Docker
 * Desktop's per-user socket if it exists, else `/var/run/docker.sock`. A local socket is served
 * by `SocketEngine`; any other endpoint (tcp, TLS, ssh) by dockerode, loaded only then.
 */
export function createDockerEngine(): DockerEngine {
  const host = process.env.DOCKER_HOST;
  if (!host) {
    const userSocket = join(homedir(), '.docker', 'run', 'docker.sock');
    return new SocketEngine(existsSync(userSocket) ? userSocket : '/var/run/docker.sock');
  }
  if (host.startsWith('unix://') && host.length > 'unix://'.length) return new SocketEngine(host.slice('unix://'.length));
  const DockerodeClass = createRequire(import.meta.url)('dockerode') as typeof Dockerode;
  return new DockerodeClass() as unknown as DockerEngine;
}

/**
 * What `pingDocker` says of the engine behind `docker` (version, or why it is unreachable and
 * how to start one): the full diagnosis, for failures only, so dockerode is loaded only then.
 */
export async function diagnoseEngine(docker: DockerEngine, timeoutMs: number): Promise<DockerPingResult> {
  const { pingDocker } = await import('../../images/docker-client.ts');
  let client = docker as unknown as Dockerode;
  if (docker instanceof SocketEngine) {
    const DockerodeClass = createRequire(import.meta.url)('dockerode') as typeof Dockerode;
    client = new DockerodeClass({ socketPath: docker.modem.socketPath });
  }
  return pingDocker(client, timeoutMs);
}

/** Engine API version of the requests (Docker 20.10 and later speak it). */
const API_VERSION = 'v1.41';

/** What `docker-modem`'s `dial` takes (dockerode's own request description). */
interface DialOptions {
  path: string;
  method: 'GET' | 'POST' | 'DELETE';
  statusCodes: Record<number, true | string>;
  options?: Record<string, unknown>;
  isStream?: boolean;
  hijack?: boolean;
  openStdin?: boolean;
}

interface Modem {
  socketPath: string;
  dial(options: DialOptions, callback: (error: unknown, data: unknown) => void): void;
}

/**
 * Docker's engine API over a unix socket: just the calls of `DockerEngine`, made with
 * `docker-modem` (the HTTP layer dockerode is built on: requests, errors, the hijacked attach
 * stream) without dockerode's own modules.
 */
export class SocketEngine implements DockerEngine {
  /** The HTTP layer; `modem.socketPath` as dockerode names it, for messages. */
  readonly modem: Modem;

  constructor(socketPath: string) {
    const ModemClass = createRequire(import.meta.url)('docker-modem') as new (options: { socketPath: string; version: string }) => Modem;
    this.modem = new ModemClass({ socketPath, version: API_VERSION });
  }

  ping(): Promise<unknown> {
    return this.dial({ path: '/_ping', method: 'GET', statusCodes: { 200: true, 500: 'server error' } }).then(asText);
  }

  info(): Promise<unknown> {
    return this.dial({ path: '/info', method: 'GET', statusCodes: { 200: true, 500: 'server error' } });
  }

  listContainers(options: { all?: boolean; filters?: Record<string, string[]> } = {}): Promise<Dockerode.ContainerInfo[]> {
    const query = { ...(options.all ? { all: true } : {}), ...(options.filters ? { filters: options.filters } : {}) };
    return this.dial({ path: '/containers/json?', method: 'GET', options: query, statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' } }) as Promise<
      Dockerode.ContainerInfo[]
    >;
  }

  async createContainer(options: Dockerode.ContainerCreateOptions): Promise<EngineContainer> {
    const created = (await this.dial({
      path: '/containers/create?',
      method: 'POST',
      options: { _query: {}, _body: options },
      statusCodes: { 200: true, 201: true, 400: 'bad parameter', 404: 'no such image', 409: 'conflict', 500: 'server error' },
    })) as { Id: string };
    return this.getContainer(created.Id);
  }

  getContainer(id: string): EngineContainer {
    const path = `/containers/${encodeURIComponent(id)}`;
    return {
      id,
      start: () => this.dial({ path: `${path}/start?`, method: 'POST', options: {}, statusCodes: { 204: true, 304: 'container already started', 404: 'no such container', 500: 'server error' } }),
      inspect: () => this.dial({ path: `${path}/json?`, method: 'GET', options: {}, statusCodes: { 200: true, 404: 'no such container', 500: 'server error' } }) as Promise<{ State?: unknown }>,
      remove: (options = {}) =>
        this.dial({
          path: `${path}?`,
          method: 'DELETE',
          options: { ...(options.force ? { force: true } : {}), ...(options.v ? { v: true } : {}) },
          statusCodes: { 204: true, 400: 'bad parameter', 404: 'no such container', 409: 'conflict', 500: 'server error' },
        }),
      attach: () =>
        this.dial({
          path: `${path}/attach?`,
          method: 'POST',
          isStream: true,
          hijack: true,
          openStdin: true,
          options: { stream: true, stdin: true, stdout: true, stderr: true },
          statusCodes: { 101: true, 200: true, 400: 'bad parameter', 404: 'no such container', 500: 'server error' },
        }),
    };
  }

  listVolumes(options: { filters?: Record<string, string[]> } = {}): Promise<unknown> {
    return this.dial({ path: '/volumes?', method: 'GET', options: options.filters ? { filters: options.filters } : {}, statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' } });
  }

  createVolume(options: { Name: string; Labels?: Record<string, string> }): Promise<unknown> {
    return this.dial({ path: '/volumes/create?', method: 'POST', options: { _query: {}, _body: options }, statusCodes: { 200: true, 201: true, 500: 'server error' } });
  }

  getVolume(name: string): { remove(): Promise<unknown> } {
    return {
      remove: () => this.dial({ path: `/volumes/${encodeURIComponent(name)}`, method: 'DELETE', statusCodes: { 204: true, 404: 'no such volume', 409: 'volume in use', 500: 'server error' } }),
    };
  }

  getImage(name: string): { inspect(): Promise<{ Id: string }> } {
    return {
      inspect: () =>
        this.dial({ path: `/images/${encodeURIComponent(name)}/json?`, method: 'GET', options: {}, statusCodes: { 200: true, 404: 'no such image', 500: 'server error' } }) as Promise<{ Id: string }>,
    };
  }

  private dial(options: DialOptions): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.modem.dial(options, (error, data) => (error ? reject(engineError(error)) : resolve(data)));
    });
  }
}

/** `docker-modem` hands a text answer over as a Buffer when it is not JSON. */
function asText(data: unknown): unknown {
  return Buffer.isBuffer(data) ? data.toString('utf8') : data;
}

/**
 * A refused status as an `EngineError` (dockerode's words: `(HTTP code 404) no such container -
 * <engine message>`); a failure without a status (the socket refused or broke) keeps its code.
 */
function engineError(error: unknown): unknown {
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status !== 'number') return error;
  return new EngineError((error as Error).message.trim(), status, (error as { json?: unknown }).json, { cause: error });
}

/** Files of a TLS client identity for a `tcp://` engine (as `DOCKER_CERT_PATH` holds them). */
export interface EngineTls {
  ca: string;
  cert: string;
  key: string;
}

/**
 * An engine client for a `DOCKER_HOST`-style address: `unix:///path/docker.sock` (answered
 * directly), `tcp://host:port` (with `tls`: https with that client identity), or
 * `ssh://user@host[:port]` (dockerode's SSH transport, through the user's SSH agent).
 *
 * @throws RangeError for an address of another form
 */
export function engineFromAddress(address: string, tls?: { ca: Buffer | string; cert: Buffer | string; key: Buffer | string }): DockerEngine {
  if (address.startsWith('unix://') && address.length > 'unix://'.length) return new SocketEngine(address.slice('unix://'.length));
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new RangeError(`not an engine address: ${address} (unix:///path, tcp://host:port or ssh://user@host)`);
  }
  const DockerodeClass = createRequire(import.meta.url)('dockerode') as typeof Dockerode;
  if (url.protocol === 'tcp:') {
    const port = url.port === '' ? (tls ? 2376 : 2375) : Number(url.port);
    return new DockerodeClass({ host: url.hostname, port, protocol: tls ? 'https' : 'http', ...(tls ? { ca: tls.ca, cert: tls.cert, key: tls.key } : {}) }) as unknown as DockerEngine;
  }
  if (url.protocol === 'ssh:') {
    return new DockerodeClass({
      protocol: 'ssh',
      host: url.hostname,
      port: url.port === '' ? 22 : Number(url.port),
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    }) as unknown as DockerEngine;
  }
  throw new RangeError(`not an engine address: ${address} (unix:///path, tcp://host:port or ssh://user@host)`);
}
