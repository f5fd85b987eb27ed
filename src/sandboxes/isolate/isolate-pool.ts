import { fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { SandboxError } from '../../errors/sandbench-error.ts';
import { DEATH_MARK, ONE_SHOT_ARGUMENT, WATCH_OWN_MEMORY_ARGUMENT, type FailureMessage, type ResultMessage, type RunMessage, type WorkerMessage } from './protocol.ts';
import { redactHostPaths } from './redact-host-paths.ts';
import { residentCapBytes, ResidentMemoryWatch, type MemoryExcess } from './resident-memory-watch.ts';

/** The worker script beside this module: `.ts` when running from `src/`, `.js` from `dist/`. */
const WORKER_EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const WORKER_PATH = fileURLToPath(new URL('./isolate-worker' + WORKER_EXTENSION, import.meta.url));

/** Extra time the host gives a worker past the run's wall clock before killing it. */
const OUTER_GRACE_MS = 1_500;
/** Time a worker has to answer a cancel before it is killed. */
const CANCEL_GRACE_MS = 250;

/** Longest wait for a killed worker's 'close' after its 'exit' (see `#terminate`). */
const CLOSE_AFTER_EXIT_MS = 500;
/** Consecutive start-up failures after which the pool reports the backend unavailable. */
const MAX_SPAWN_FAILURES = 3;
const STDERR_TAIL_BYTES = 8_192;
const MiB = 1024 * 1024;
/** Extra Node/V8 flags for the workers (space-separated), for experiments and tuning. */
const EXTRA_WORKER_FLAGS = (process.env.SANDBENCH_ISOLATE_WORKER_FLAGS ?? '').split(/\s+/).filter((flag) => flag !== '');
/**
 * Worker flags. `--no-sparkplug`: V8's baseline compiler mostly compiles code of short-lived
 * isolates that are thrown away a few milliseconds later (about 8% of a worker's CPU per
 * HumanEval program, measured); long-running guests still tier up to Maglev and Turbofan.
 * `--no-rehash-snapshot`: every new isolate and context otherwise rehashes every hash table of
 * its snapshot for a fresh hash seed, ~5% of a worker's CPU per HumanEval program (sampled with
 * perf: the rehash and the descriptor sorting it does). The isolates then share the snapshot's
 * seed, which only lets a guest that builds colliding keys slow down its own run, inside its
 * own CPU limit; the worker's own isolate hashes only what the host sends.
 */
export const WORKER_FLAGS = ['--no-node-snapshot', '--disable-warning=ExperimentalWarning', '--no-sparkplug', '--no-rehash-snapshot'];

export interface IsolatePoolOptions {
  /** Worker processes (each runs one program at a time). */
  workers: number;
  /** Executions after which a worker is replaced by a fresh process. */
  maxExecutionsPerWorker: number;
  /** Memory limit (MiB) the workers prepare their next isolate with before any run asks. */
  initialMemoryMb: number;
  logger: Logger;
  /**
   * For a host that runs one program or a few and exits: the workers start at once (their
   * start-up overlaps with the host's own work before the first run), and skip what pays off
   * only over many runs (the prelude snapshot, the warm-up run, an isolate made after each run).
   */
  oneShot?: boolean;
}

/** A run the pool carries out: the worker's answer, how the worker died with it, or the caller's cancel. */
export type PoolOutcome =
  | ResultMessage
  | {
      type: 'crash';
      status: 'memory-limit' | 'runtime-error' | 'timeout';
      message: string;
      durationMs: number;
    }
  | {
      /** Cancelled by the caller before a worker took it, or its worker killed for not stopping in time. */
      type: 'cancelled';
      durationMs: number;
    };

interface Job {
  message: Omit<RunMessage, 'type' | 'id'>;
  signal: AbortSignal | undefined;
  /** Cancels the job while it waits in the queue; removed from the signal when it leaves the queue. */
  onQueuedAbort: (() => void) | undefined;
  resolve: (outcome: PoolOutcome) => void;
  reject: (error: unknown) => void;
}

/** What a worker's process events go to: its pool's handlers. */
interface WorkerEvents {
  message(message: WorkerMessage): void;
  error(error: Error): void;
  exit(code: number | null, signal: NodeJS.Signals | null): void;
}

interface WorkerHandle {
  child: ChildProcess;
  /** How it was started: a pool takes a prestarted worker only if it would have started it the same way. */
  oneShot: boolean;
  watchesOwnMemory: boolean;
  /** Its pool's handlers; before a pool takes it (see `prestartIsolateWorkers`), its events so far, replayed then. */
  events: WorkerEvents | Array<(events: WorkerEvents) => void>;
  ready: boolean;
  executions: number;
  retiring: boolean;
  stderrTail: string;
  fatal: string | undefined;
  /** Its resident memory before a guest runs (at ready, then as its last result reports): the base of its runs' memory cap. */
  residentBytes: number;
  active:
    | {
        id: number;
        job: Job;
        started: number;
        deadline: NodeJS.Timeout | undefined;
        killedForDeadline: boolean;
        killedForCancel: boolean;
        /** Set when the host killed the worker for passing its resident-memory cap. */
        killedForMemory: MemoryExcess | undefined;
        onAbort: () => void;
      }
    | undefined;
}

/** Worker processes by default: one per CPU, at most 2. */
export function defaultIsolateWorkerCount(): number {
  return Math.min(2, availableParallelism());
}

/**
 * Whether the host caps its workers' resident memory itself (from /proc) where it can, rather than
 * each worker with a watchdog thread; `SANDBENCH_ISOLATE_MEMORY_WATCH=worker` forces the latter (tests).
 */
function hostWatchesMemory(): boolean {
  return ResidentMemoryWatch.available && process.env.SANDBENCH_ISOLATE_MEMORY_WATCH !== 'worker';
}

/** Fork a worker process; its events wait in a list until a pool takes it. */
function forkWorker(oneShot: boolean, watchesOwnMemory: boolean, initialMemoryMb: number | undefined): WorkerHandle {
  const child = fork(WORKER_PATH, [...(oneShot ? [ONE_SHOT_ARGUMENT] : []), ...(watchesOwnMemory ? [WATCH_OWN_MEMORY_ARGUMENT] : [])], {
    execArgv: [...WORKER_FLAGS, ...EXTRA_WORKER_FLAGS],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'json',
    env: initialMemoryMb === undefined ? process.env : { ...process.env, SANDBENCH_ISOLATE_MEMORY_MB: String(initialMemoryMb) },
  });
  const worker: WorkerHandle = {
    child,
    oneShot,
    watchesOwnMemory,
    events: [],
    ready: false,
    executions: 0,
    retiring: false,
    stderrTail: '',
    fatal: undefined,
    residentBytes: 0,
    active: undefined,
  };
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    worker.stderrTail = (worker.stderrTail + chunk).slice(-STDERR_TAIL_BYTES);
  });
  const deliver = (event: (events: WorkerEvents) => void) => {
    if (Array.isArray(worker.events)) worker.events.push(event);
    else event(worker.events);
  };
  child.on('message', (message: WorkerMessage) => deliver((events) => events.message(message)));
  child.on('error', (error) => deliver((events) => events.error(error)));
  child.on('exit', (code, signal) => deliver((events) => events.exit(code, signal)));
  return worker;
}

/**
 * Whether the worker keeps the host's event loop alive: its process, its IPC channel and its
 * stderr pipe, all three (any one left referenced would hold an idle host forever).
 */
function holdHost(worker: WorkerHandle, hold: boolean): void {
  const handles = [worker.child, worker.child.channel, worker.child.stderr] as Array<{ ref?: () => void; unref?: () => void } | null | undefined>;
  for (const handle of handles) {
    if (hold) handle?.ref?.();
    else handle?.unref?.();
  }
}

/** Workers started by `prestartIsolateWorkers` that no pool has taken yet. */
const prestarted: WorkerHandle[] = [];

/**
 * Start isolate workers now, before any pool exists, for a host that knows early that it will run
 * isolates (the CLI's `run --sandbox isolate`, before it loads the rest of itself and the suite):
 * the next pools take them instead of starting their own, so their ~0.15 s of start-up overlaps
 * the host's. Until a pool takes them they do not keep the host alive, and they exit with it.
 * Returns their process ids.
 */
export function prestartIsolateWorkers(count = defaultIsolateWorkerCount()): number[] {
  const watchesOwnMemory = !hostWatchesMemory();
  const started: number[] = [];
  for (let index = 0; index < count; index++) {
    const worker = forkWorker(false, watchesOwnMemory, undefined);
    holdHost(worker, false);
    prestarted.push(worker);
    started.push(worker.child.pid ?? -1);
  }
  return started;
}

/** Kill the prestarted workers no pool took (a host that stops before it runs anything). */
export function stopPrestartedIsolateWorkers(): void {
  for (const worker of prestarted.splice(0)) worker.child.kill('SIGKILL');
}

/**
 * A small pool of supervised isolate worker processes. Jobs queue FIFO; a worker takes one at a
 * time; the host keeps an outer deadline per job and kills a worker that does not answer; a
 * worker that dies mid-run has its run reported from how it died, and is replaced on demand.
 */
export class IsolatePool {
  readonly #options: IsolatePoolOptions;
  readonly #workers = new Set<WorkerHandle>();
  readonly #queue: Job[] = [];
  #nextId = 1;
  #spawnFailures = 0;
  #disposed = false;
  /** The host's watch on its workers' resident memory; undefined where each worker watches its own. */
  readonly #memoryWatch = hostWatchesMemory() ? new ResidentMemoryWatch() : undefined;

  constructor(options: IsolatePoolOptions) {
    this.#options = options;
    if (options.oneShot) this.start();
  }

  /** Start every worker now, ahead of the first run, so their start-up overlaps the caller's own work. Idempotent. */
  start(): void {
    if (this.#disposed) return;
    const live = [...this.#workers].filter((worker) => !worker.retiring).length;
    for (let index = live; index < this.#options.workers; index++) this.#spawn();
  }

  /** Run one program; resolves with the worker's result or a crash outcome, never rejects for guest behaviour. */
  run(message: Omit<RunMessage, 'type' | 'id'>, signal?: AbortSignal): Promise<PoolOutcome> {
    if (this.#disposed) return Promise.reject(new SandboxError('the isolate sandbox was disposed', { code: 'sandbox-unavailable' }));
    return new Promise<PoolOutcome>((resolve, reject) => {
      const job: Job = { message, signal, onQueuedAbort: undefined, resolve, reject };
      if (signal) {
        job.onQueuedAbort = () => {
          const index = this.#queue.indexOf(job);
          if (index >= 0) {
            this.#queue.splice(index, 1);
            resolve({ type: 'cancelled', durationMs: 0 });
          }
        };
        // A run's many jobs share its signal: each leaves no listener behind (see #dequeued).
        signal.addEventListener('abort', job.onQueuedAbort, { once: true });
      }
      this.#queue.push(job);
      this.#pump();
    });
  }

  /** Kill every worker and refuse queued jobs. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const job of this.#queue.splice(0)) {
      this.#dequeued(job);
      job.reject(new SandboxError('the isolate sandbox was disposed', { code: 'sandbox-unavailable' }));
    }
    const exits: Array<Promise<void>> = [];
    for (const worker of this.#workers) {
      exits.push(this.#terminate(worker));
    }
    await Promise.all(exits);
  }

  /** Number of live worker processes (for tests and diagnostics). */
  get workerCount(): number {
    return this.#workers.size;
  }

  /** Process ids of the live workers (for tests and diagnostics). */
  get workerPids(): number[] {
    return [...this.#workers].map((worker) => worker.child.pid ?? -1);
  }

  #pump(): void {
    if (this.#disposed) return;
    while (this.#queue.length > 0) {
      const idle = [...this.#workers].find((worker) => worker.ready && !worker.active && !worker.retiring);
      if (idle) {
        const job = this.#queue.shift() as Job;
        this.#dequeued(job);
        if (job.signal?.aborted) {
          job.resolve({ type: 'cancelled', durationMs: 0 });
          continue;
        }
        this.#dispatch(idle, job);
        continue;
      }
      const live = [...this.#workers].filter((worker) => !worker.retiring).length;
      const starting = [...this.#workers].filter((worker) => !worker.ready && !worker.retiring).length;
      if (live < this.#options.workers && starting < this.#queue.length) {
        this.#spawn();
        continue;
      }
      break;
    }
  }

  /** A job left the queue: its queued-cancel listener goes (a run's signal outlives its jobs). */
  #dequeued(job: Job): void {
    if (job.onQueuedAbort) job.signal?.removeEventListener('abort', job.onQueuedAbort);
    job.onQueuedAbort = undefined;
  }

  #spawn(): void {
    const oneShot = this.#options.oneShot ?? false;
    const watchesOwnMemory = this.#memoryWatch === undefined;
    const spare = prestarted.findIndex((worker) => worker.oneShot === oneShot && worker.watchesOwnMemory === watchesOwnMemory);
    const worker = spare >= 0 ? (prestarted.splice(spare, 1)[0] as WorkerHandle) : forkWorker(oneShot, watchesOwnMemory, this.#options.initialMemoryMb);
    this.#workers.add(worker);
    this.#options.logger.debug({ pid: worker.child.pid, prestarted: spare >= 0 }, 'isolate worker starting');
    // Until it is ready a worker holds the host's event loop (an idle one does not: see #idle).
    holdHost(worker, true);
    const handlers: WorkerEvents = {
      message: (message) => this.#onMessage(worker, message),
      error: (error) => this.#options.logger.warn({ pid: worker.child.pid, err: error }, 'isolate worker error'),
      exit: (code, signal) => this.#onExit(worker, code, signal),
    };
    const early = worker.events as Array<(events: WorkerEvents) => void>;
    if (early.length === 0) {
      worker.events = handlers;
      return;
    }
    // What a prestarted worker said before this pool took it, once the caller (#pump) is done.
    queueMicrotask(() => {
      for (let event = early.shift(); event; event = early.shift()) event(handlers);
      worker.events = handlers;
    });
  }

  #onMessage(worker: WorkerHandle, message: WorkerMessage): void {
    switch (message.type) {
      case 'ready': {
        this.#options.logger.debug({ pid: worker.child.pid, snapshot: message.snapshot, warmUp: message.warmUp, startMs: message.startMs }, 'isolate worker ready');
        if (this.#memoryWatch) {
          const resident = worker.child.pid === undefined ? undefined : this.#memoryWatch.follow(worker.child.pid);
          if (resident === undefined) {
            // Nothing would cap its guests' memory: it counts as a worker that failed to start.
            worker.stderrTail += `\ncannot read the resident memory of isolate worker ${worker.child.pid}\n`;
            worker.child.kill('SIGKILL');
            return;
          }
          worker.residentBytes = resident;
        }
        worker.ready = true;
        this.#spawnFailures = 0;
        this.#idle(worker);
        this.#pump();
        return;
      }
      case 'fatal':
        worker.fatal = message.message;
        return;
      case 'result':
      case 'failure':
        this.#finish(worker, message);
        return;
      case 'extend':
        // The worker is doing the run again, measured (its first attempt was starved of CPU).
        if (worker.active?.id === message.id) this.#armDeadline(worker, message.timeoutMs);
        return;
    }
  }

  /** Kill the worker if its active run has not answered within `timeoutMs` plus a grace period. */
  #armDeadline(worker: WorkerHandle, timeoutMs: number): void {
    const active = worker.active;
    if (!active) return;
    clearTimeout(active.deadline);
    active.deadline = setTimeout(() => {
      // isolated-vm's own timeout does not cover everything (promise continuations, a
      // wedged isolate thread): past the grace period the worker goes.
      active.killedForDeadline = true;
      this.#options.logger.warn({ pid: worker.child.pid, timeoutMs }, 'isolate worker missed its deadline; killing it');
      worker.child.kill('SIGKILL');
    }, timeoutMs + OUTER_GRACE_MS);
  }

  #dispatch(worker: WorkerHandle, job: Job): void {
    const id = this.#nextId++;
    const timeoutMs = job.message.limits.timeoutMs;
    const active = {
      id,
      job,
      started: performance.now(),
      killedForDeadline: false,
      killedForCancel: false,
      killedForMemory: undefined as MemoryExcess | undefined,
      deadline: undefined as NodeJS.Timeout | undefined,
      onAbort: () => {
        if (worker.active?.id !== id) return;
        if (worker.child.connected) worker.child.send({ type: 'cancel', id });
        // A worker inside a synchronous guest entry reads the cancel only when the entry ends:
        // if it does not answer promptly, it goes.
        setTimeout(() => {
          if (worker.active?.id !== id) return;
          active.killedForCancel = true;
          worker.child.kill('SIGKILL');
        }, CANCEL_GRACE_MS).unref();
      },
    };
    worker.active = active;
    this.#armDeadline(worker, timeoutMs);
    const pid = worker.child.pid;
    if (this.#memoryWatch && pid !== undefined) {
      // memoryLimit is a guideline: some allocations run far past it in native code that ignores
      // termination, with the worker's thread inside the guest. Past this cap the worker goes.
      this.#memoryWatch.cap(pid, residentCapBytes(worker.residentBytes, job.message.limits.memoryMb), (excess) => {
        if (worker.active?.id !== id || active.killedForCancel || active.killedForDeadline) return;
        active.killedForMemory = excess;
        this.#options.logger.warn({ pid, residentBytes: excess.residentBytes, capBytes: excess.capBytes }, 'isolate worker passed its resident-memory cap; killing it');
        worker.child.kill('SIGKILL');
      });
    }
    job.signal?.addEventListener('abort', active.onAbort, { once: true });
    holdHost(worker, true);
    worker.child.send({ type: 'run', id, ...job.message } satisfies RunMessage);
  }

  #finish(worker: WorkerHandle, message: ResultMessage | FailureMessage): void {
    const active = worker.active;
    if (!active || active.id !== message.id) return;
    clearTimeout(active.deadline);
    active.job.signal?.removeEventListener('abort', active.onAbort);
    if (worker.child.pid !== undefined) this.#memoryWatch?.uncap(worker.child.pid);
    worker.active = undefined;
    worker.executions++;
    if (message.type === 'result') worker.residentBytes = message.residentBytes;
    if (message.type === 'result' && this.#options.logger.isLevelEnabled('trace')) {
      const hostMs = performance.now() - active.started;
      this.#options.logger.trace({ phases: message.phases, hostMs, ipcMs: hostMs - message.phases.totalMs }, 'isolate run');
    }
    if (message.type === 'failure') {
      active.job.reject(new SandboxError(`isolate worker failed: ${message.message}`, { details: { pid: worker.child.pid } }));
    } else {
      active.job.resolve(message);
    }
    if (worker.executions >= this.#options.maxExecutionsPerWorker) {
      // Recycle: whatever a long run of guests left behind in this process goes with it.
      worker.retiring = true;
      this.#options.logger.debug({ pid: worker.child.pid, executions: worker.executions }, 'recycling isolate worker');
      void this.#terminate(worker);
    } else {
      this.#idle(worker);
    }
    this.#pump();
  }

  /** An idle worker does not keep the host's event loop alive. */
  #idle(worker: WorkerHandle): void {
    holdHost(worker, false);
  }

  #onExit(worker: WorkerHandle, code: number | null, signal: NodeJS.Signals | null): void {
    this.#workers.delete(worker);
    if (worker.child.pid !== undefined) this.#memoryWatch?.forget(worker.child.pid);
    const active = worker.active;
    worker.active = undefined;
    if (!worker.ready && !worker.retiring && !this.#disposed) {
      this.#spawnFailures++;
      this.#options.logger.warn({ code, signal, stderr: worker.stderrTail.slice(-2000) }, 'isolate worker failed to start');
      if (this.#spawnFailures >= MAX_SPAWN_FAILURES) {
        const error = new SandboxError(`isolate workers fail to start: ${worker.stderrTail.trim().split('\n').slice(-3).join(' | ') || `exit code ${code}, signal ${signal}`}`, {
          code: 'sandbox-unavailable',
          details: { code, signal },
        });
        for (const job of this.#queue.splice(0)) {
          this.#dequeued(job);
          job.reject(error);
        }
      }
    }
    if (active) {
      clearTimeout(active.deadline);
      active.job.signal?.removeEventListener('abort', active.onAbort);
      const durationMs = performance.now() - active.started;
      const markAt = worker.stderrTail.lastIndexOf(DEATH_MARK);
      // A dying worker's words end up in the guest's result: no host paths in them.
      const lastWord = redactHostPaths(markAt >= 0 ? worker.stderrTail.slice(markAt + DEATH_MARK.length).trim().split('\n')[0] ?? '' : '');
      const evidence = `${worker.fatal ?? ''}\n${lastWord || worker.stderrTail}`;
      // isolated-vm only asks a guest to terminate for its memory limit or its timeout; one that
      // ignores the request before the wall clock ran out was being stopped for memory.
      const ignoredTermination = /failed to terminate/i.test(evidence) && durationMs < active.job.message.limits.timeoutMs;
      let outcome: PoolOutcome;
      if (this.#disposed) {
        active.job.reject(new SandboxError('the isolate sandbox was disposed during the run', { code: 'sandbox-unavailable' }));
        return;
      }
      if (active.killedForCancel) {
        outcome = { type: 'cancelled', durationMs };
      } else if (active.killedForMemory) {
        const { residentBytes, capBytes } = active.killedForMemory;
        outcome = {
          type: 'crash',
          status: 'memory-limit',
          message:
            `the isolate ran out of memory and its worker was lost: resident memory ${Math.round(residentBytes / MiB)} MiB passed the hard cap of ` +
            `${Math.round(capBytes / MiB)} MiB (isolate memory limit ${active.job.message.limits.memoryMb} MiB)`,
          durationMs,
        };
      } else if (active.killedForDeadline) {
        outcome = { type: 'crash', status: 'timeout', message: `no answer within the ${active.job.message.limits.timeoutMs} ms limit; the worker was killed`, durationMs };
      } else if (ignoredTermination || /out of memory|OOM|heap limit|memory limit|Allocation failed|allocation failure/i.test(evidence)) {
        outcome = {
          type: 'crash',
          status: 'memory-limit',
          message: `the isolate ran out of memory and its worker was lost${lastWord ? `: ${lastWord}` : ` (${signal ?? `exit code ${code}`})`}`,
          durationMs,
        };
      } else if (/failed to terminate/i.test(evidence)) {
        outcome = { type: 'crash', status: 'timeout', message: `the guest ignored termination at the time limit; its worker was lost`, durationMs };
      } else {
        const detail = redactHostPaths(lastWord || worker.fatal || (worker.stderrTail.trim().split('\n').slice(-1)[0] ?? ''));
        outcome = {
          type: 'crash',
          status: 'runtime-error',
          message: `the isolate worker died (${signal ?? `exit code ${code}`})${detail ? `: ${detail}` : ''}`,
          durationMs,
        };
      }
      const facts = { pid: worker.child.pid, code, signal, status: outcome.type === 'crash' ? outcome.status : 'timeout' };
      // Killed because the caller cancelled (Ctrl-C, an aborted run): what was asked, not a fault.
      if (active.killedForCancel) this.#options.logger.debug({ ...facts, cancelled: true }, 'isolate worker died during a run');
      else this.#options.logger.warn(facts, 'isolate worker died during a run');
      active.job.resolve(outcome);
    }
    this.#pump();
  }

  #terminate(worker: WorkerHandle): Promise<void> {
    return new Promise<void>((resolve) => {
      if ((worker.child.exitCode !== null || worker.child.signalCode !== null) && worker.child.stderr?.closed !== false) {
        this.#workers.delete(worker);
        resolve();
        return;
      }
      worker.retiring = true;
      // Hold the event loop until the exit is seen (idle workers are unref'd): the process, its IPC
      // channel and its stderr together (with only the process held, the loop could empty between
      // the exit and the channel's end, and the CLI quit with exit 13).
      holdHost(worker, true);
      // 'close' (not 'exit'): the stdio pipes are released too. Node does not emit 'close' for a
      // child whose IPC channel was already disconnected, so after 'exit' a held timer ends the wait.
      let fallback: NodeJS.Timeout | undefined;
      worker.child.once('close', () => {
        clearTimeout(fallback);
        resolve();
      });
      const exited = () => {
        fallback ??= setTimeout(resolve, CLOSE_AFTER_EXIT_MS);
      };
      if (worker.child.exitCode !== null || worker.child.signalCode !== null) exited();
      else worker.child.once('exit', exited);
      worker.child.kill('SIGKILL');
    });
  }
}
