import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { RunClock } from './classify-run.ts';

/**
 * Threads of a Node process that never run guest code: V8's platform workers (GC, compilers),
 * its delayed-task scheduler, the inspector's signal thread, libuv's pool and Node worker
 * threads (the worker's memory watchdog).
 */
const HELPER_THREADS = new Set(['V8Worker', 'DelayedTaskSche', 'SignalInspector', 'libuv-worker', 'WorkerThread']);

/** Where schedstat lines are read into: one small buffer, no allocation per read. */
const lineBuffer = Buffer.alloc(128);

/** `[on-CPU ns, run-queue ns]` from an open schedstat file (re-read from its start), or undefined. */
function preadSchedstat(fd: number): [number, number] | undefined {
  try {
    const length = readSync(fd, lineBuffer, 0, lineBuffer.length, 0);
    const [onCpu, runQueue] = lineBuffer.toString('latin1', 0, length).split(' ');
    const values: [number, number] = [Number(onCpu), Number(runQueue)];
    return Number.isFinite(values[0]) && Number.isFinite(values[1]) ? values : undefined;
  } catch {
    return undefined;
  }
}

/** Like `preadSchedstat`, for a file opened just for this read. */
function readSchedstat(path: string): [number, number] | undefined {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    return preadSchedstat(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * The main thread's own schedstat, opened once (`/proc/thread-self` resolves to the opening
 * thread): every run reads it, and `readFileSync` would allocate 64 KiB for each read of a
 * `/proc` file (measured: about 0.4 ms of the worker's CPU per run, in garbage collection).
 */
let mainThreadSchedstat: number | undefined | null = null;

function readMainThreadSchedstat(): [number, number] | undefined {
  if (mainThreadSchedstat === null) {
    try {
      mainThreadSchedstat = openSync('/proc/thread-self/schedstat', 'r');
    } catch {
      mainThreadSchedstat = undefined;
    }
  }
  return mainThreadSchedstat === undefined ? undefined : preadSchedstat(mainThreadSchedstat);
}

/**
 * Measures what the guest got of the machine during one attempt: CPU time and run-queue delay
 * (time runnable but waiting for a CPU) of the thread(s) running it, in milliseconds.
 *
 * - `main-thread`: synchronous entries run on the worker's main thread (measured: isolated-vm
 *   executes `runSync` on the calling thread). CPU comes from `process.threadCpuUsage()` (cheap
 *   enough for every entry), the run-queue delay from `/proc/thread-self/schedstat`, read only at
 *   the start and where a decision needs it.
 * - `isolate-threads`: asynchronous entries run on isolated-vm's own threads; their figures are
 *   summed over the process's threads minus the main thread and the helpers above. The main
 *   thread's run-queue delay is added: each entry's start and end pass through it, so while it
 *   waits for a CPU the guest waits too (overlaps are counted twice, in the guest's favour).
 *
 * `isolate.cpuTime` is not used: isolated-vm measures it with a wall clock while the isolate
 * runs, so it grows with contention (its documentation says as much).
 */
export class GuestClock {
  readonly #mode: 'main-thread' | 'isolate-threads';
  readonly #started = performance.now();
  #cpuBaseMicros = 0;
  #runQueueBaseNs: number | undefined;
  readonly #threadBase = new Map<string, [number, number]>();
  #mainRunQueueBaseNs: number | undefined;
  readonly #threadNames = new Map<string, string>();

  constructor(mode: 'main-thread' | 'isolate-threads') {
    this.#mode = mode;
    if (mode === 'main-thread') {
      const usage = process.threadCpuUsage();
      this.#cpuBaseMicros = usage.user + usage.system;
      this.#runQueueBaseNs = readMainThreadSchedstat()?.[1];
    } else {
      for (const [tid, figures] of this.#guestThreads()) this.#threadBase.set(tid, figures);
      this.#mainRunQueueBaseNs = readMainThreadSchedstat()?.[1];
    }
  }

  /** Wall-clock milliseconds since the attempt started. */
  elapsedMs(): number {
    return performance.now() - this.#started;
  }

  /** CPU milliseconds the guest's thread(s) used since the attempt started. */
  cpuMs(): number {
    if (this.#mode === 'main-thread') {
      const usage = process.threadCpuUsage();
      return (usage.user + usage.system - this.#cpuBaseMicros) / 1000;
    }
    return this.read().cpuMs;
  }

  /** All three figures at once. */
  read(): RunClock {
    const elapsedMs = this.elapsedMs();
    if (this.#mode === 'main-thread') {
      const now = this.#runQueueBaseNs === undefined ? undefined : readMainThreadSchedstat()?.[1];
      const runQueueMs = now === undefined || this.#runQueueBaseNs === undefined ? undefined : (now - this.#runQueueBaseNs) / 1e6;
      return { elapsedMs, cpuMs: this.cpuMs(), runQueueMs };
    }
    let cpuNs = 0;
    let runQueueNs = 0;
    let known = false;
    for (const [tid, [onCpu, runQueue]] of this.#guestThreads()) {
      const [baseCpu, baseRunQueue] = this.#threadBase.get(tid) ?? [0, 0];
      cpuNs += onCpu - baseCpu;
      runQueueNs += runQueue - baseRunQueue;
      known = true;
    }
    const mainRunQueue = readMainThreadSchedstat()?.[1];
    if (mainRunQueue !== undefined && this.#mainRunQueueBaseNs !== undefined) runQueueNs += mainRunQueue - this.#mainRunQueueBaseNs;
    return { elapsedMs, cpuMs: cpuNs / 1e6, runQueueMs: known ? runQueueNs / 1e6 : undefined };
  }

  /** Schedstat figures of the threads that may run guest code (all but the main one and helpers). */
  #guestThreads(): Array<[string, [number, number]]> {
    const threads: Array<[string, [number, number]]> = [];
    let tids: string[];
    try {
      tids = readdirSync('/proc/self/task');
    } catch {
      return threads;
    }
    for (const tid of tids) {
      if (tid === String(process.pid)) continue;
      let name = this.#threadNames.get(tid);
      if (name === undefined) {
        try {
          name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
        } catch {
          continue;
        }
        this.#threadNames.set(tid, name);
      }
      if (HELPER_THREADS.has(name)) continue;
      const figures = readSchedstat(`/proc/self/task/${tid}/schedstat`);
      if (figures) threads.push([tid, figures]);
    }
    return threads;
  }
}
