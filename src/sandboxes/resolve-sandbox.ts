import type { Logger } from 'pino';
import { InvalidInputError, SandbenchError } from '../errors/sandbench-error.ts';
import { runtimeProfile } from '../runtimes/runtime-profiles.ts';
import type { SandboxName, Task } from '../schemas/task.ts';
import type { Sandbox } from './sandbox.ts';

/** A backend by name, or a user-supplied object implementing the contract. */
export type SandboxSpec = SandboxName | Sandbox;

export interface SandboxOptions {
  logger?: Logger;
  /** Isolate backend: worker processes. */
  isolateWorkers?: number;
  /** Docker backend: warm containers per pool. */
  dockerPoolSize?: number;
  /**
   * Docker backend: when a container is replaced. `on-failure` (default): after any failing
   * job; `on-limit`: only after limits, crashes and what the runner flags (faster when most
   * answers fail, relying on the runner's per-job cleanup).
   */
  dockerRecycle?: 'on-failure' | 'on-limit';
  /**
   * Docker backend: remove containers on SIGINT / SIGTERM / SIGHUP and before a natural exit,
   * through process-wide listeners. Default false (the application owns its signals and calls
   * `dispose()`); the CLI turns it on.
   */
  handleSignals?: boolean;
}

/** Create one backend by name. Backends load lazily so an unused one costs nothing. */
export async function createSandbox(name: SandboxName, options: SandboxOptions = {}): Promise<Sandbox> {
  switch (name) {
    case 'isolate': {
      const { IsolateSandbox } = await import('./isolate-sandbox.ts');
      return new IsolateSandbox({
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.isolateWorkers ? { workers: options.isolateWorkers } : {}),
      });
    }
    case 'docker': {
      const { DockerSandbox, RECYCLE_POLICIES } = await import('./docker-sandbox.ts');
      return new DockerSandbox({
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.dockerPoolSize ? { poolSize: options.dockerPoolSize } : {}),
        ...(options.dockerRecycle ? { recycleOn: RECYCLE_POLICIES[options.dockerRecycle] } : {}),
        ...(options.handleSignals ? { handleSignals: true } : {}),
      });
    }
    case 'process':
      throw new InvalidInputError(`the 'process' sandbox is not available yet: use 'isolate' or 'docker'`, {
        code: 'invalid-input',
        details: { sandbox: name },
      });
    default: {
      const unknown: never = name;
      throw new InvalidInputError(`unknown sandbox '${String(unknown)}' (known: isolate, docker)`);
    }
  }
}

/**
 * Chooses and owns the backends of one run: `--sandbox` wins, then the task's own
 * preference, then the first backend its language's runtime profile lists. Each backend is
 * created once, on first use, and disposed by `dispose()`.
 */
export class SandboxSet {
  readonly #forced: SandboxSpec | undefined;
  readonly #options: SandboxOptions;
  readonly #created = new Map<string, Promise<Sandbox>>();

  constructor(forced?: SandboxSpec, options: SandboxOptions = {}) {
    this.#forced = forced;
    this.#options = options;
  }

  /** The backend name a task will run in. */
  backendFor(task: Task): string {
    if (this.#forced) return typeof this.#forced === 'string' ? this.#forced : this.#forced.name;
    if (task.sandbox) return task.sandbox;
    const profile = runtimeProfile(task.language);
    return profile.backends[0] ?? 'docker';
  }

  /** The backend for a task, refusing (with a clear message) one that cannot run its language. */
  async forTask(task: Task): Promise<Sandbox> {
    const forced = this.#forced;
    let sandbox: Sandbox;
    if (forced && typeof forced !== 'string') {
      sandbox = forced;
    } else {
      const name = this.backendFor(task) as SandboxName;
      let pending = this.#created.get(name);
      if (!pending) {
        pending = createSandbox(name, this.#options);
        this.#created.set(name, pending);
        pending.catch(() => this.#created.delete(name));
      }
      sandbox = await pending;
    }
    if (!sandbox.capabilities.languages.includes(task.language)) {
      const alternatives = runtimeProfile(task.language).backends.filter((backend) => backend !== sandbox.name);
      throw new SandbenchError(
        'unsupported',
        `task '${task.id}' is ${task.language}, which the ${sandbox.name} sandbox cannot run (it runs ${sandbox.capabilities.languages.join(', ')})` +
          (alternatives.length > 0 ? `; use --sandbox ${alternatives[0]}` : ''),
        { details: { task: task.id, language: task.language, sandbox: sandbox.name } },
      );
    }
    return sandbox;
  }

  /** Dispose every backend this set created (a user-supplied one stays the caller's). */
  async dispose(): Promise<void> {
    const all = [...this.#created.values()];
    this.#created.clear();
    await Promise.allSettled(all.map(async (pending) => (await pending).dispose()));
  }
}
