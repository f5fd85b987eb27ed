import type { Logger } from 'pino';
import { InvalidInputError, SandbenchError } from '../errors/sandbench-error.ts';
import { runtimeProfile } from '../runtimes/runtime-profiles.ts';
import type { Language, SandboxName, Task } from '../schemas/task.ts';
import type { Sandbox } from './sandbox.ts';

/** A backend by name, or a user-supplied object implementing the contract. */
export type SandboxSpec = SandboxName | Sandbox;

export interface SandboxOptions {
  logger?: Logger;
  /** Isolate backend: worker processes. */
  isolateWorkers?: number;
  /**
   * Isolate backend: the set serves one program or a few, then the process exits (the CLI's
   * `exec`): the worker starts at once and skips what pays off only over many runs (see
   * `IsolateSandboxOptions.oneShot`). Default false.
   */
  isolateOneShot?: boolean;
  /** Docker backend: warm containers per pool. */
  dockerPoolSize?: number;
  /**
   * Docker backend: when a container is replaced, besides what the runner flags (processes
   * left behind, a full disk, IPC leftovers, tampering), a lost runner and every N jobs.
   * `on-limit` (default): after a timeout, memory or output limit, relying on the runner's
   * per-job cleanup for ordinary wrong answers; `on-failure`: after any failing job (cautious,
   * slower when most answers fail).
   */
  dockerRecycle?: 'on-failure' | 'on-limit';
  /**
   * Docker backend: remove containers on SIGINT / SIGTERM / SIGHUP and before a natural exit,
   * through process-wide listeners. Default false (the application owns its signals and calls
   * `dispose()`); the CLI turns it on.
   */
  handleSignals?: boolean;
  /** Docker backend: period of the owner lease (see `DockerSandboxOptions.leaseMs`). */
  dockerLeaseMs?: number;
  /** Docker backend: sweep leftovers of dead owners this often, not only at start (see `DockerSandboxOptions.sweepEveryMs`). */
  dockerSweepEveryMs?: number;
  /** Docker backend: labels added to every container (see `DockerSandboxOptions.containerLabels`). */
  dockerContainerLabels?: Record<string, string>;
  /**
   * Docker backend: the engines to spread pools over (`DOCKER_HOST`-style addresses, each with
   * its pool size); default one engine, `DOCKER_HOST` or the local socket.
   */
  dockerEngines?: Array<{ address: string; poolSize?: number; certPath?: string }>;
  /** Remote backend: the sandbench services to send executions to, and their token. */
  remote?: { urls: string[]; token?: string };
}

/** What the set needs of a task to choose its backend. */
export type TaskPlacement = Pick<Task, 'id' | 'language' | 'sandbox'>;

/** Create one backend by name. Backends load lazily so an unused one costs nothing. */
export async function createSandbox(name: SandboxName, options: SandboxOptions = {}): Promise<Sandbox> {
  switch (name) {
    case 'isolate': {
      const { IsolateSandbox } = await import('./isolate-sandbox.ts');
      return new IsolateSandbox({
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.isolateWorkers ? { workers: options.isolateWorkers } : {}),
        ...(options.isolateOneShot ? { oneShot: true } : {}),
      });
    }
    case 'docker': {
      const { DockerSandbox, RECYCLE_POLICIES } = await import('./docker-sandbox.ts');
      if (options.dockerEngines && options.dockerEngines.length > 0) {
        const { DockerEnginesSandbox } = await import('./docker-engines-sandbox.ts');
        return new DockerEnginesSandbox(options.dockerEngines, {
          ...(options.logger ? { logger: options.logger } : {}),
          ...(options.dockerPoolSize ? { poolSize: options.dockerPoolSize } : {}),
          ...(options.dockerRecycle ? { recycleOn: RECYCLE_POLICIES[options.dockerRecycle] } : {}),
          ...(options.handleSignals ? { handleSignals: true } : {}),
          ...(options.dockerLeaseMs ? { leaseMs: options.dockerLeaseMs } : {}),
          ...(options.dockerSweepEveryMs ? { sweepEveryMs: options.dockerSweepEveryMs } : {}),
          ...(options.dockerContainerLabels ? { containerLabels: options.dockerContainerLabels } : {}),
        });
      }
      return new DockerSandbox({
        ...(options.logger ? { logger: options.logger } : {}),
        ...(options.dockerPoolSize ? { poolSize: options.dockerPoolSize } : {}),
        ...(options.dockerRecycle ? { recycleOn: RECYCLE_POLICIES[options.dockerRecycle] } : {}),
        ...(options.handleSignals ? { handleSignals: true } : {}),
        ...(options.dockerLeaseMs ? { leaseMs: options.dockerLeaseMs } : {}),
        ...(options.dockerSweepEveryMs ? { sweepEveryMs: options.dockerSweepEveryMs } : {}),
        ...(options.dockerContainerLabels ? { containerLabels: options.dockerContainerLabels } : {}),
      });
    }
    case 'remote': {
      const { RemoteSandbox } = await import('./remote-sandbox.ts');
      if (!options.remote || options.remote.urls.length === 0) {
        throw new InvalidInputError('the remote sandbox needs the services to use: --remote <url>[,<url>…] or `remotes:` in the config file');
      }
      return new RemoteSandbox({ ...options.remote, ...(options.logger ? { logger: options.logger } : {}) });
    }
    default: {
      const unknown: never = name;
      throw new InvalidInputError(`unknown sandbox '${String(unknown)}' (known: isolate, docker, remote)`);
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

  /** The backend every task is forced to (a name), or `auto` when each task chooses its own. */
  get forcedName(): string {
    if (!this.#forced) return 'auto';
    return typeof this.#forced === 'string' ? this.#forced : this.#forced.name;
  }

  /** The backend name a task will run in. */
  backendFor(task: TaskPlacement): string {
    if (this.#forced) return typeof this.#forced === 'string' ? this.#forced : this.#forced.name;
    if (task.sandbox) return task.sandbox;
    const profile = runtimeProfile(task.language);
    return profile.backends[0] ?? 'docker';
  }

  /**
   * The backend of this name, created on first use and owned by the set, whatever `--sandbox`
   * forces (agent episodes run their `javascript` tool and custom scorers in the isolate).
   */
  async named(name: SandboxName): Promise<Sandbox> {
    const forced = this.#forced;
    if (forced && typeof forced !== 'string' && forced.name === name) return forced;
    let pending = this.#created.get(name);
    if (!pending) {
      pending = createSandbox(name, this.#options);
      this.#created.set(name, pending);
      pending.catch(() => this.#created.delete(name));
    }
    return pending;
  }

  /** The backend for a task, refusing (with a clear message) one that cannot run its language. */
  async forTask(task: TaskPlacement): Promise<Sandbox> {
    const forced = this.#forced;
    let sandbox: Sandbox;
    if (forced && typeof forced !== 'string') {
      sandbox = forced;
    } else {
      sandbox = await this.named(this.backendFor(task) as SandboxName);
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

  /**
   * Before a run: every task's backend can serve it (see `forTask`), and each backend that has a
   * `warmUp` is checked and warmed for the languages it will run (engine reachable, images
   * present), so an engine fault stops the run before its first sample, with the fixing command.
   */
  async prepare(tasks: readonly Task[]): Promise<void> {
    for (const [sandbox, set] of await this.languagesByBackend(tasks)) await sandbox.warmUp?.([...set]);
  }

  /** The backend of each task (refusing what none can serve), with the languages it will run. */
  private async languagesByBackend(tasks: readonly Task[]): Promise<Map<Sandbox, Set<Language>>> {
    const languages = new Map<Sandbox, Set<Language>>();
    for (const task of tasks) {
      const sandbox = await this.forTask(task);
      let set = languages.get(sandbox);
      if (!set) languages.set(sandbox, (set = new Set()));
      set.add(task.language);
    }
    return languages;
  }

  /** What each backend serving `tasks` records about itself (see `Sandbox.describe`), by backend name. */
  async describe(tasks: readonly Task[]): Promise<Record<string, Record<string, unknown>>> {
    const described: Record<string, Record<string, unknown>> = {};
    for (const [sandbox, set] of await this.languagesByBackend(tasks)) described[sandbox.name] = (await sandbox.describe?.([...set])) ?? {};
    return described;
  }

  /** Dispose every backend this set created (a user-supplied one stays the caller's). */
  async dispose(): Promise<void> {
    const all = [...this.#created.values()];
    this.#created.clear();
    await Promise.allSettled(all.map(async (pending) => (await pending).dispose()));
  }
}
