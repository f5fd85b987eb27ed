import type { DockerEngine } from './engine-client.ts';
import type { Logger } from 'pino';
import { SandboxError } from '../../errors/sandbench-error.ts';
import { removeContainer, startSandboxContainer, type ContainerSpec, type StartedContainer } from './create-container.ts';

/** A pooled container: one job at a time, replaced after `maxUses` jobs or any unclean job. */
export interface PooledContainer {
  readonly started: StartedContainer;
  /** Jobs run so far. */
  uses: number;
  /** Jobs after which this container is replaced (`maxUses`, less a per-container stagger). */
  limit: number;
  /** A successor is starting (or started) to take this container's place. */
  succeeded?: boolean;
  /** Replace this container at its next release (its successor is ready). */
  retire?: boolean;
}

export interface ContainerPoolOptions {
  /** Containers kept started (warm) for this pool. */
  size: number;
  /** Replace a container after this many jobs. */
  maxUses: number;
  logger: Logger;
  /** Called with every container id the pool starts and removes (exit cleanup tracks them). */
  onStarted?: (id: string) => void;
  onRemoved?: (id: string) => void;
}

interface Waiter {
  resolve: (container: PooledContainer) => void;
  reject: (error: unknown) => void;
}

/**
 * Pre-started containers of one image and one set of container-level limits. `acquire` hands
 * out an idle container (or waits for one); `release` returns it, or replaces it in the
 * background when it must not be reused.
 */
export class ContainerPool {
  readonly spec: ContainerSpec;
  private readonly docker: DockerEngine;
  private readonly options: ContainerPoolOptions;
  private readonly idle: PooledContainer[] = [];
  private readonly busy = new Set<PooledContainer>();
  private readonly waiters: Waiter[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private starting = 0;
  private started = 0;
  private disposed = false;

  constructor(docker: DockerEngine, spec: ContainerSpec, options: ContainerPoolOptions) {
    this.docker = docker;
    this.spec = spec;
    this.options = options;
  }

  /** Containers started or starting, not counting those about to retire. */
  get size(): number {
    let retiring = 0;
    for (const container of [...this.idle, ...this.busy]) if (container.succeeded) retiring += 1;
    return this.idle.length + this.busy.size + this.starting - retiring;
  }

  /** Ids of the containers started and not yet removed (idle and busy). */
  containerIds(): string[] {
    return [...this.idle, ...this.busy].map((container) => container.started.id);
  }

  /** Start containers until the pool is full; resolves when all are ready (rejects on failure). */
  async warm(): Promise<void> {
    const starts: Array<Promise<void>> = [];
    while (!this.disposed && this.size < this.options.size) starts.push(this.startOne());
    const results = await Promise.allSettled(starts);
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** An idle container for one job; the caller must `release` it. */
  acquire(signal?: AbortSignal): Promise<PooledContainer> {
    if (this.disposed) return Promise.reject(new SandboxError('the Docker sandbox was disposed', { code: 'sandbox-failure' }));
    const ready = this.idle.pop();
    if (ready) {
      this.busy.add(ready);
      return Promise.resolve(ready);
    }
    return new Promise<PooledContainer>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: (container) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(container);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(signal?.reason ?? new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.fill();
    });
  }

  /** Give a container back; `recycle` (or too many uses) removes it and starts a replacement. */
  release(container: PooledContainer, recycle: string | null): void {
    this.busy.delete(container);
    container.uses += 1;
    const reason =
      recycle ??
      (container.started.connection.gone
        ? 'runner gone'
        : container.uses >= container.limit
          ? 'max uses'
          : container.retire
            ? 'replaced by its successor'
            : null);
    if (reason !== null || this.disposed) {
      this.options.logger.debug({ container: container.started.id.slice(0, 12), reason, uses: container.uses }, 'recycling container');
      this.destroy(container);
      this.fill();
      return;
    }
    // Start the successor ahead of the retirement, so that replacing a container (about half a
    // second of engine work) never leaves the pool short while jobs wait.
    if (!container.succeeded && container.uses >= container.limit - Math.max(1, Math.ceil(container.limit / 10))) {
      container.succeeded = true;
      this.startOne(container).catch(() => {});
    }
    this.handOut(container);
  }

  /** Remove every container (idle, busy, starting); idempotent. */
  async dispose(): Promise<void> {
    this.disposed = true;
    for (const waiter of this.waiters.splice(0)) {
      waiter.reject(new SandboxError('the Docker sandbox was disposed', { code: 'sandbox-failure' }));
    }
    for (const container of this.idle.splice(0)) this.destroy(container);
    for (const container of this.busy) this.destroy(container);
    this.busy.clear();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private handOut(container: PooledContainer): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      this.busy.add(container);
      waiter.resolve(container);
    } else {
      this.idle.push(container);
    }
  }

  /** Keep the pool at its size; waiters beyond it are served as containers come back. */
  private fill(): void {
    if (this.disposed) return;
    while (this.size < this.options.size) this.startOne().catch(() => {});
  }

  /** Start a container; with `predecessor`, it takes that container's place once ready. */
  private startOne(predecessor?: PooledContainer): Promise<void> {
    this.starting += 1;
    const start = (async () => {
      let started: StartedContainer;
      try {
        started = await startSandboxContainer(this.docker, this.spec);
      } catch (error) {
        this.starting -= 1;
        if (predecessor) predecessor.succeeded = false;
        // Every waiter would hit the same fault (image missing, engine gone): fail them now.
        for (const waiter of this.waiters.splice(0)) waiter.reject(error);
        this.options.logger.warn({ err: error, image: this.spec.image }, 'could not start a sandbox container');
        throw error;
      }
      this.starting -= 1;
      this.options.onStarted?.(started.id);
      // Stagger the retirements of containers started together (up to a fifth early), so that
      // they are not all replaced at the same moment.
      const stagger = this.options.size > 1 ? Math.floor(((this.started++ % this.options.size) * this.options.maxUses) / (5 * this.options.size)) : 0;
      const pooled: PooledContainer = { started, uses: 0, limit: Math.max(1, this.options.maxUses - stagger) };
      if (predecessor) {
        const index = this.idle.indexOf(predecessor);
        if (index >= 0) {
          this.idle.splice(index, 1);
          this.destroy(predecessor);
        } else {
          predecessor.retire = true;
        }
      }
      started.connection.onGone(() => {
        // A container that died while idle is dropped and replaced.
        const index = this.idle.indexOf(pooled);
        if (index >= 0) {
          this.idle.splice(index, 1);
          this.destroy(pooled);
          this.fill();
        }
      });
      if (this.disposed) {
        this.destroy(pooled);
        return;
      }
      this.handOut(pooled);
    })();
    this.track(start);
    return start;
  }

  private destroy(container: PooledContainer): void {
    const { started } = container;
    started.connection.close();
    const removal = removeContainer(started.container)
      .then(() => this.options.onRemoved?.(started.id))
      .catch((error: unknown) => {
        this.options.logger.warn({ err: error, container: started.id.slice(0, 12) }, 'could not remove a sandbox container');
      });
    this.track(removal);
  }

  private track(promise: Promise<unknown>): void {
    const settled = promise.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
  }
}
