import type { WorkerLimits, WorkerStatus } from './protocol.ts';

/** Why the host itself stopped the guest (it disposed the isolate on purpose). */
export type StopReason =
  /** The guest called `process.exit`. */
  | 'exit'
  /** The guest crossed the output cap. */
  | 'output'
  /** The request's AbortSignal fired. */
  | 'cancel'
  /** A rerun's CPU meter reached the CPU-time limit. */
  | 'cpu-limit'
  /** A rerun's clock (CPU time plus time spent waiting for timers) reached the wall-clock limit. */
  | 'wall-limit';

/** How the guest's run came to an end, as the worker observed it. */
export type RunEnding =
  /** Every entry returned and the guest's timer queue is empty. */
  | { kind: 'drained' }
  /** The host stopped the guest. */
  | { kind: 'stopped'; reason: StopReason }
  /** The next timer is due after the wall-clock limit: the program cannot end in time. */
  | { kind: 'timer-after-limit' }
  /** isolated-vm's timeout (a wall-clock timer) cut an entry. */
  | { kind: 'cut' }
  /** The isolate went away without the host asking: isolated-vm disposes it past its memory limit. */
  | { kind: 'disposed'; text?: string }
  /** The guest threw (or a compile step failed); `stderr` and `message` describe it. */
  | { kind: 'threw'; stderr: string; message: string }
  /** A rerun used up its generous wall-clock backstop without reaching either limit. */
  | { kind: 'backstop'; backstopMs: number };

/** Clock readings of the attempt, in milliseconds since it started. */
export interface RunClock {
  /** Wall-clock time. */
  elapsedMs: number;
  /** CPU time of the thread(s) that ran the guest. */
  cpuMs: number;
  /**
   * Time the guest's thread was runnable but waiting for a CPU (the run-queue delay in
   * `/proc/thread-self/schedstat`); undefined where the kernel does not say.
   */
  runQueueMs: number | undefined;
}

/** Everything `classifyRun` looks at: plain facts, no live objects. */
export interface RunFacts {
  ending: RunEnding;
  limits: WorkerLimits;
  clock: RunClock;
  /** `process.exitCode` as the guest left it (0 when never set). */
  exitCode: number;
  /** The code passed to `process.exit`, when the guest called it. */
  requestedExit?: number;
  /** Whether the run had test code, and whether the test code's own step returned normally. */
  test?: { returned: boolean };
  /**
   * Whether a cut that starvation explains may be answered by a rerun (true on the first,
   * exact attempt; false on the rerun, which is judged by CPU time).
   */
  mayRerun: boolean;
}

/** What `classifyRun` decides. */
export type RunVerdict =
  | {
      kind: 'verdict';
      status: WorkerStatus;
      /** Exit code as Node would give it; null when the run was killed by a limit. */
      exitCode: number | null;
      message?: string;
      /** Only for runs with test code: whether the test code ran to its end. */
      testCompleted?: boolean;
    }
  /**
   * The attempt was cut before it reached a limit (starved of CPU, typically): a verdict now
   * would depend on the machine's load, so the worker runs it again, measured as it goes.
   */
  | { kind: 'rerun'; reason: string }
  /** The engine could not give the program its time (not the program's fault). */
  | { kind: 'fault'; message: string };

/**
 * How far below a limit a cut may land and still count as reaching it: scheduler noise on an
 * idle machine is a few milliseconds; a starved run is further off than this.
 */
export function limitTolerance(limitMs: number): number {
  return Math.max(20, limitMs * 0.1);
}

/**
 * Decide how a guest run ended, from facts alone (no isolate, no clock, no I/O), like the Docker
 * side's `judgeStep`. A cut by isolated-vm's wall-clock timer is a timeout only when the program
 * really used its time: its CPU time reached the CPU limit, or its clock minus the run-queue delay
 * (what it would have taken alone on the machine) reached the wall-clock limit. Any other cut
 * (starvation, typically) asks for a rerun instead of a verdict that load decided.
 */
export function classifyRun(facts: RunFacts): RunVerdict {
  const { ending, limits } = facts;
  const verdict = (status: WorkerStatus, exitCode: number | null, message?: string): RunVerdict => {
    const result: RunVerdict = { kind: 'verdict', status, exitCode };
    if (message !== undefined) result.message = message;
    if (facts.test) {
      // Unforgeable: the host ran the test step itself, and the run then ended on its own (a
      // process.exit anywhere, even with status 0, may have cut asynchronous test code short).
      result.testCompleted = facts.test.returned && ending.kind === 'drained' && status === 'ok';
    }
    return result;
  };
  const wallMessage = `wall-clock limit of ${limits.timeoutMs} ms reached`;
  const cpuMessage = `CPU time limit of ${limits.cpuTimeMs} ms reached`;
  // Name the CPU limit only when it is the tighter one; otherwise both say the same.
  const limitMessage = limits.cpuTimeMs < limits.timeoutMs ? cpuMessage : wallMessage;

  switch (ending.kind) {
    case 'drained':
      if (facts.exitCode !== 0) return verdict('runtime-error', facts.exitCode, `process.exitCode = ${facts.exitCode}`);
      return verdict('ok', 0);
    case 'stopped':
      switch (ending.reason) {
        case 'exit': {
          const code = facts.requestedExit ?? 0;
          return code === 0 ? verdict('ok', 0) : verdict('runtime-error', code, `process.exit(${code})`);
        }
        case 'output':
          return verdict('output-limit', null, `output exceeded ${limits.maxOutputBytes} bytes`);
        case 'cancel':
          return verdict('timeout', null, 'cancelled');
        case 'cpu-limit':
          return verdict('timeout', null, limitMessage);
        case 'wall-limit':
          return verdict('timeout', null, wallMessage);
      }
      break;
    case 'timer-after-limit':
      return verdict('timeout', null, `${wallMessage} (the next timer is due after it)`);
    case 'disposed':
      return verdict(
        'memory-limit',
        null,
        ending.text?.includes('memory limit') ? `memory limit of ${limits.memoryMb} MiB exceeded` : `isolate disposed: ${ending.text ?? 'unknown reason'}`,
      );
    case 'threw':
      return verdict('runtime-error', 1, ending.message);
    case 'backstop':
      return {
        kind: 'fault',
        message:
          `the machine is too busy to judge this run: after ${ending.backstopMs} ms of wall-clock time it had used ` +
          `${Math.round(facts.clock.cpuMs)} ms of CPU, below its limits (${limits.cpuTimeMs} ms CPU, ${limits.timeoutMs} ms wall clock)`,
      };
    case 'cut': {
      const { cpuMs, elapsedMs, runQueueMs } = facts.clock;
      if (cpuMs >= limits.cpuTimeMs - limitTolerance(limits.cpuTimeMs)) return verdict('timeout', null, limitMessage);
      // Without the run-queue figure a cut can only be taken at its word.
      if (runQueueMs === undefined || !facts.mayRerun) return verdict('timeout', null, wallMessage);
      if (elapsedMs - runQueueMs >= limits.timeoutMs - limitTolerance(limits.timeoutMs)) return verdict('timeout', null, wallMessage);
      // Neither limit was reached: starved of CPU, or the timer was set from the CPU budget
      // while the program waited. Only a run measured as it goes can tell.
      return {
        kind: 'rerun',
        reason: `cut after ${Math.round(elapsedMs)} ms (${Math.round(runQueueMs)} ms of it waiting for a CPU) having used ${Math.round(cpuMs)} ms of CPU`,
      };
    }
  }
  // Unreachable: every ending is handled above (kept for the type checker).
  return verdict('runtime-error', 1, 'unknown ending');
}
