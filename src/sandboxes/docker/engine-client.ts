import { existsSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
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

/** Docker's engine API over a unix socket: just the calls of `DockerEngine`. */
export class SocketEngine implements DockerEngine {
  /** Where it connects; `modem.socketPath` as dockerode names it, for messages. */
  readonly modem: { socketPath: string };

  constructor(socketPath: string) {
    this.modem = { socketPath };
  }

  ping(): Promise<unknown> {
    return this.call('GET', '/_ping', { json: false });
  }

  info(): Promise<unknown> {
    return this.call('GET', '/info');
  }

  listContainers(options: { all?: boolean; filters?: Record<string, string[]> } = {}): Promise<Dockerode.ContainerInfo[]> {
    return this.call('GET', '/containers/json', { query: { all: options.all ? '1' : undefined, filters: filters(options.filters) } }) as Promise<
      Dockerode.ContainerInfo[]
    >;
  }

  async createContainer(options: Dockerode.ContainerCreateOptions): Promise<EngineContainer> {
    const created = (await this.call('POST', '/containers/create', { body: options })) as { Id: string };
    return this.getContainer(created.Id);
  }

  getContainer(id: string): EngineContainer {
    const path = `/containers/${encodeURIComponent(id)}`;
    return {
      id,
      start: () => this.call('POST', `${path}/start`, { json: false }),
      inspect: () => this.call('GET', `${path}/json`) as Promise<{ State?: unknown }>,
      remove: (options = {}) => this.call('DELETE', path, { json: false, query: { force: options.force ? '1' : undefined, v: options.v ? '1' : undefined } }),
      attach: () => this.hijack(`${path}/attach`, { stream: '1', stdin: '1', stdout: '1', stderr: '1' }),
    };
  }

  listVolumes(options: { filters?: Record<string, string[]> } = {}): Promise<unknown> {
    return this.call('GET', '/volumes', { query: { filters: filters(options.filters) } });
  }

  createVolume(options: { Name: string; Labels?: Record<string, string> }): Promise<unknown> {
    return this.call('POST', '/volumes/create', { body: options });
  }

  getVolume(name: string): { remove(): Promise<unknown> } {
    return { remove: () => this.call('DELETE', `/volumes/${encodeURIComponent(name)}`, { json: false }) };
  }

  private call(
    method: string,
    path: string,
    options: { query?: Record<string, string | undefined>; body?: unknown; json?: boolean } = {},
  ): Promise<unknown> {
    const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body), 'utf8');
    return new Promise((resolve, reject) => {
      const outgoing = request(
        {
          socketPath: this.modem.socketPath,
          method,
          path: `/${API_VERSION}${path}${queryString(options.query)}`,
          headers: body ? { 'Content-Type': 'application/json', 'Content-Length': body.length } : {},
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = response.statusCode ?? 0;
            if (status >= 300) {
              reject(statusError(response, text));
              return;
            }
            if (options.json === false || text === '') {
              resolve(text);
              return;
            }
            try {
              resolve(JSON.parse(text));
            } catch (error) {
              reject(new EngineError(`the engine answered ${method} ${path} with text that is not JSON`, status, undefined, { cause: error }));
            }
          });
        },
      );
      // No HTTP status at all: the socket refused or broke (its code, ENOENT or EACCES, is kept).
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  /** POST and take the connection over (HTTP upgrade): the attach stream. */
  private hijack(path: string, query: Record<string, string>): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const outgoing = request({
        socketPath: this.modem.socketPath,
        method: 'POST',
        path: `/${API_VERSION}${path}${queryString(query)}`,
        headers: { Connection: 'Upgrade', Upgrade: 'tcp' },
      });
      outgoing.on('upgrade', (_response, socket, head) => {
        // Bytes that came with the upgrade's headers belong to the stream.
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      });
      outgoing.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => reject(statusError(response, Buffer.concat(chunks).toString('utf8'))));
      });
      // No HTTP status at all: the socket refused or broke (its code, ENOENT or EACCES, is kept).
      outgoing.on('error', reject);
      outgoing.end();
    });
  }
}

function filters(value: Record<string, string[]> | undefined): string | undefined {
  return value === undefined ? undefined : JSON.stringify(value);
}

function queryString(query: Record<string, string | undefined> | undefined): string {
  const entries = Object.entries(query ?? {}).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return entries.length === 0 ? '' : `?${new URLSearchParams(entries).toString()}`;
}

/** A refused status, worded as dockerode words it: `(HTTP code 404) unexpected - <engine message>`. */
function statusError(response: IncomingMessage, text: string): EngineError {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const said = (json as { message?: unknown } | undefined)?.message;
  const status = response.statusCode ?? 0;
  return new EngineError(`(HTTP code ${status}) unexpected - ${typeof said === 'string' ? said : text.trim()}`, status, json);
}
