import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { SandboxError } from '../errors/sandbench-error.ts';
import type { ExecutionResult } from '../schemas/execution-result.ts';
import type { Language } from '../schemas/task.ts';
import { DockerSandbox, type DockerSandboxOptions } from './docker-sandbox.ts';
import { engineFromAddress } from './docker/engine-client.ts';
import type { Sandbox, SandboxBatchRequest, SandboxCapabilities, SandboxRunRequest, SandboxSession, SandboxSessionOptions } from './sandbox.ts';

/** One engine the Docker backend spreads its pools over. */
export interface DockerEngineSpec {
  /** `unix:///path/docker.sock`, `tcp://host:port` or `ssh://user@host[:port]`. */
  address: string;
  /** Warm containers per pool on this engine (default: the backend's). */
  poolSize?: number;
  /** For `tcp://` with TLS: a folder holding `ca.pem`, `cert.pem` and `key.pem` (as `DOCKER_CERT_PATH`). */
  certPath?: string;
}

interface Engine {
  address: string;
  sandbox: DockerSandbox;
  weight: number;
  inFlight: number;
  /** Executions and sessions it served. */
  served: number;
}

/**
 * The Docker backend over several engines: one `DockerSandbox` (pools, owner, cleanup) per
 * engine, each execution and session sent to the engine with the most free pool capacity
 * (in flight relative to its pool size). Every engine needs the images: `warmUp` checks each and
 * names the one that fails.
 */
export class DockerEnginesSandbox implements Sandbox {
  readonly name = 'docker';
  readonly capabilities: SandboxCapabilities;
  readonly #engines: Engine[];

  constructor(specs: readonly DockerEngineSpec[], options: Omit<DockerSandboxOptions, 'docker'> & { logger?: Logger } = {}) {
    if (specs.length === 0) throw new SandboxError('the Docker backend needs at least one engine address', { code: 'sandbox-unavailable' });
    this.#engines = specs.map((spec) => {
      let docker;
      try {
        const tls = spec.certPath
          ? { ca: readFileSync(join(spec.certPath, 'ca.pem')), cert: readFileSync(join(spec.certPath, 'cert.pem')), key: readFileSync(join(spec.certPath, 'key.pem')) }
          : undefined;
        docker = engineFromAddress(spec.address, tls);
      } catch (error) {
        throw new SandboxError(`Docker engine ${spec.address}: ${error instanceof Error ? error.message : String(error)}`, { code: 'sandbox-unavailable', cause: error });
      }
      const poolSize = spec.poolSize ?? options.poolSize;
      const sandbox = new DockerSandbox({ ...options, docker, ...(poolSize ? { poolSize } : {}) });
      return { address: spec.address, sandbox, weight: poolSize ?? 2, inFlight: 0, served: 0 };
    });
    this.capabilities = this.#engines[0]!.sandbox.capabilities;
  }

  /** The engine with the most free capacity (ties: the one that served least). */
  #pick(): Engine {
    return [...this.#engines].sort((a, b) => a.inFlight / a.weight - b.inFlight / b.weight || a.served - b.served)[0]!;
  }

  async #on<T>(work: (sandbox: DockerSandbox) => Promise<T>): Promise<T> {
    const engine = this.#pick();
    engine.inFlight += 1;
    engine.served += 1;
    try {
      return await work(engine.sandbox);
    } finally {
      engine.inFlight -= 1;
    }
  }

  run(request: SandboxRunRequest): Promise<ExecutionResult> {
    return this.#on((sandbox) => sandbox.run(request));
  }

  runBatch(request: SandboxBatchRequest): Promise<ExecutionResult[]> {
    return this.#on((sandbox) => sandbox.runBatch(request));
  }

  /** A session lives on one engine; it counts against that engine while it is open. */
  async openSession(options: SandboxSessionOptions): Promise<SandboxSession> {
    const engine = this.#pick();
    engine.inFlight += 1;
    engine.served += 1;
    let session: SandboxSession;
    try {
      session = await engine.sandbox.openSession(options);
    } catch (error) {
      engine.inFlight -= 1;
      throw error;
    }
    let closed = false;
    const dispose = session.dispose.bind(session);
    session.dispose = async () => {
      if (!closed) {
        closed = true;
        engine.inFlight -= 1;
      }
      await dispose();
    };
    return session;
  }

  /** Check every engine (reachable, images present); the error names the engine at fault. */
  async warmUp(languages: readonly Language[]): Promise<void> {
    await Promise.all(
      this.#engines.map(async (engine) => {
        try {
          await engine.sandbox.warmUp(languages);
        } catch (error) {
          throw new SandboxError(`Docker engine ${engine.address}: ${error instanceof Error ? error.message : String(error)}`, {
            code: SandboxError.isInstance(error) ? (error.code as 'sandbox-unavailable') : 'sandbox-unavailable',
            cause: error,
          });
        }
      }),
    );
  }

  async describe(languages: readonly Language[]): Promise<Record<string, unknown>> {
    const engines: Record<string, unknown> = {};
    for (const engine of this.#engines) engines[engine.address] = await engine.sandbox.describe(languages);
    return { engines };
  }

  /** How many executions and sessions each engine served, by address. */
  servedByEngine(): Record<string, number> {
    return Object.fromEntries(this.#engines.map((engine) => [engine.address, engine.served]));
  }

  async dispose(): Promise<void> {
    await Promise.allSettled(this.#engines.map((engine) => engine.sandbox.dispose()));
  }
}
