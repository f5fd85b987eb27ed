/**
 * The host's hard cap on the resident memory of isolate workers running a guest. An isolate's
 * `memoryLimit` is a guideline: some allocations (a huge `Array.prototype.fill`) run far past it
 * in native code that ignores termination, with the worker's main thread blocked inside the guest.
 * The host reads each busy worker's resident set from `/proc/<pid>/status` on a timer and calls
 * back when it passes the run's cap, so the worker needs no watchdog thread of its own (which cost
 * ~40 ms of CPU per worker start: a second Node environment).
 *
 * Linux only (`ResidentMemoryWatch.available`); elsewhere the worker watches itself (see the
 * worker's `--watch-own-memory`).
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';

/** How often a busy worker's resident memory is read. */
export const MEMORY_WATCH_INTERVAL_MS = 20;

const MiB = 1024 * 1024;

/**
 * The hard cap on a worker's resident memory during a run: its resident memory before the guest
 * started, plus twice the isolate's memory limit (what hostile code can reach past the guideline)
 * and 64 MiB of slack.
 */
export function residentCapBytes(baselineBytes: number, memoryMb: number): number {
  return baselineBytes + (memoryMb * 2 + 64) * MiB;
}

/** A worker's resident memory, in bytes, past the cap of the run it is doing. */
export interface MemoryExcess {
  residentBytes: number;
  capBytes: number;
}

interface Watched {
  /** Open on `/proc/<pid>/status`: each read is one `pread`, no path lookup. */
  fd: number;
  /** The cap of the run in progress; undefined between runs. */
  capBytes: number | undefined;
  onExceeded: ((excess: MemoryExcess) => void) | undefined;
}

const VM_RSS = /VmRSS:\s*(\d+) kB/;
/** `/proc/<pid>/status` is ~1.5 KB; one buffer serves every read. */
const buffer = Buffer.alloc(8192);

/** Resident memory of the process whose status file `fd` is open on, or undefined when unreadable. */
function residentBytes(fd: number): number | undefined {
  try {
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    const match = VM_RSS.exec(buffer.toString('latin1', 0, length));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    // The process is gone (its exit is handled elsewhere).
    return undefined;
  }
}

export class ResidentMemoryWatch {
  /** Whether this host can read other processes' resident memory (Linux `/proc`). */
  static readonly available = process.platform === 'linux' && existsSync('/proc/self/status');

  readonly #watched = new Map<number, Watched>();
  #timer: NodeJS.Timeout | undefined;

  /**
   * Start following a worker (once it is ready). Returns its resident memory now, or undefined
   * when it cannot be read: the worker must then not run guests, since nothing would cap them.
   */
  follow(pid: number): number | undefined {
    let fd: number;
    try {
      fd = openSync(`/proc/${pid}/status`, 'r');
    } catch {
      return undefined;
    }
    const resident = residentBytes(fd);
    if (resident === undefined) {
      closeSync(fd);
      return undefined;
    }
    this.#watched.set(pid, { fd, capBytes: undefined, onExceeded: undefined });
    return resident;
  }

  /** Cap the worker's resident memory while it runs a guest; `onExceeded` is called once, past it. */
  cap(pid: number, capBytes: number, onExceeded: (excess: MemoryExcess) => void): void {
    const watched = this.#watched.get(pid);
    if (!watched) return;
    watched.capBytes = capBytes;
    watched.onExceeded = onExceeded;
    // Reads happen only while some worker runs a guest: an idle host is not woken every 20 ms.
    this.#timer ??= setInterval(() => this.#check(), MEMORY_WATCH_INTERVAL_MS).unref();
  }

  /** The worker's run ended: no cap until the next one. */
  uncap(pid: number): void {
    const watched = this.#watched.get(pid);
    if (watched) {
      watched.capBytes = undefined;
      watched.onExceeded = undefined;
    }
    this.#stopWhenIdle();
  }

  /** The worker is gone: close its status file. */
  forget(pid: number): void {
    const watched = this.#watched.get(pid);
    if (!watched) return;
    this.#watched.delete(pid);
    closeSync(watched.fd);
    this.#stopWhenIdle();
  }

  #check(): void {
    for (const watched of this.#watched.values()) {
      const { capBytes, onExceeded } = watched;
      if (capBytes === undefined || !onExceeded) continue;
      const resident = residentBytes(watched.fd);
      if (resident !== undefined && resident > capBytes) {
        watched.capBytes = undefined;
        watched.onExceeded = undefined;
        onExceeded({ residentBytes: resident, capBytes });
      }
    }
    this.#stopWhenIdle();
  }

  #stopWhenIdle(): void {
    if (this.#timer === undefined) return;
    for (const watched of this.#watched.values()) if (watched.capBytes !== undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
