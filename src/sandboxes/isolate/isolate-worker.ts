/**
 * The isolate worker: a long-lived child process (forked by `IsolatePool` with
 * `--no-node-snapshot`) that runs one guest program at a time, each in a fresh isolate and
 * context, and answers with a `ResultMessage`. isolated-vm is loaded here and never in the host:
 * a V8 abort or an out-of-memory crash takes this process, not the host.
 *
 * Verdicts do not depend on the machine's load. A run's first attempt is the fast path: entries
 * block this thread under isolated-vm's wall-clock timeout. When that timer cuts the guest before
 * it used its time (its CPU time below the CPU limit and its clock, less the time it waited for a
 * CPU, below the wall-clock limit: it was starved), the run is done again in a fresh isolate with
 * asynchronous entries, metered as it goes and stopped at its limits, a generous wall-clock
 * backstop aside (see `classifyRun`).
 */
import ivm from 'isolated-vm';
import { writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { classifyRun, type RunEnding, type RunFacts, type RunVerdict, type StopReason } from './classify-run.ts';
import { compactPreludeSource } from './compact-prelude-cache.ts';
import { describeThrown, PRELUDE_FILENAME } from './describe-thrown.ts';
import { GuestClock } from './guest-clock.ts';
import { GUEST_PACKAGES, guestPackageSource } from './guest-packages.ts';
import { preludeSource } from './guest-prelude.ts';
import { OutputCollector } from './output-collector.ts';
import { DEATH_MARK, ONE_SHOT_ARGUMENT, WATCH_OWN_MEMORY_ARGUMENT } from './protocol.ts';
import { residentCapBytes } from './resident-memory-watch.ts';
import type { HostMessage, ResultMessage, RunMessage, RunPhases, WorkerLimits, WorkerMessage } from './protocol.ts';

/** CommonJS wrapper (Node's parameters); it sits on a line 0 of its own, so positions are the source's. */
const WRAP_HEAD = '__sandbenchRun(function (exports, require, module, __filename, __dirname) {';
const WRAP_TAIL = '\n});';
const TIMED_OUT = 'Script execution timed out.';
const MODULE_SYNTAX = /Cannot use import statement outside a module|Unexpected token 'export'|Cannot use 'import\.meta' outside a module/;

/**
 * Runs before a program that has test code, through the prelude's CommonJS entry and before any
 * guest code. It makes `exports`, `require`, `module`, `__filename` and `__dirname` globals, so
 * the program and the test code, two scripts of one context, both see them (top-level
 * declarations of a classic script are visible to later scripts of the same context). It returns
 * the function through which the host calls the test code, with bindings taken now, before the
 * answer runs: a frozen copy of the prelude's console (an answer that silences console methods
 * cannot silence the test's `console.assert`) and the prelude's require. `Reflect.apply` is taken
 * now too, so nothing the answer replaces is on the test's call path.
 */
const TEST_SETUP = `() => {
  const apply = Reflect.apply;
  let callTest;
  __sandbenchRun(function (exports, require, module, __filename, __dirname) {
    const define = (name, value) => Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
    define('exports', exports);
    define('require', require);
    define('module', module);
    define('__filename', __filename);
    define('__dirname', __dirname);
    const testConsole = {};
    for (const name of Object.keys(console)) testConsole[name] = console[name];
    Object.freeze(testConsole);
    callTest = (body) => apply(body, exports, [testConsole, require, module, exports, __filename, __dirname]);
  });
  return callTest;
}`;
/** The test code becomes the body of this function; its line sits just above the test's first line. */
const TEST_HEAD = '(function (console, require, module, exports, __filename, __dirname) {';
const TEST_TAIL = '\n})';

/**
 * How long a rerun may take on the wall clock, as a multiple of the wall-clock limit, before the
 * machine is deemed too busy to judge it. Only starvation gets there: the meter counts blocked
 * waits (Atomics.wait, timers) as time used, and stops CPU-bound guests at their CPU limit.
 */
const RERUN_BACKSTOP_FACTOR = 50;
/** How often a rerun's meter reads the guest's CPU time and run-queue delay. */
const RERUN_METER_MS = 10;

/** Named exports of the built-in guest modules, for `import { ok } from 'assert'` in ES modules. */
const BUILTIN_EXPORTS: Record<string, readonly string[]> = {
  assert: [
    'ok', 'equal', 'notEqual', 'strictEqual', 'notStrictEqual', 'deepEqual', 'notDeepEqual', 'deepStrictEqual',
    'notDeepStrictEqual', 'throws', 'doesNotThrow', 'rejects', 'doesNotReject', 'match', 'doesNotMatch', 'ifError',
    'fail', 'strict', 'AssertionError',
  ],
  fs: ['readFileSync', 'existsSync', 'writeSync', 'writeFileSync'],
  readline: ['createInterface', 'Interface'],
  util: ['inspect', 'format', 'isDeepStrictEqual', 'promisify'],
  events: ['EventEmitter'],
};
BUILTIN_EXPORTS['assert/strict'] = BUILTIN_EXPORTS.assert ?? [];

/**
 * Serving a short-lived host (the CLI's `exec`): no prelude snapshot, no warm-up run, no isolate
 * made after a run. Each pays off only over many runs; for one run it is start-up time.
 */
const ONE_SHOT = process.argv.includes(ONE_SHOT_ARGUMENT);

function send(message: WorkerMessage): void {
  process.send?.(message);
}

/**
 * Guest entries are synchronous (measured ~15% cheaper than isolated-vm's asynchronous calls):
 * isolated-vm's `timeout` bounds each one, including its microtasks and Atomics.wait, and host
 * functions the guest calls (output, exit) dispose the isolate from inside the call when the
 * guest must stop. What a blocked main thread cannot do is watch this process's resident memory
 * while a guest runs: the host does that from /proc (`ResidentMemoryWatch`), from the baseline
 * each result reports. A host that cannot read /proc starts the worker with
 * `--watch-own-memory`, and this watchdog thread holds the cap instead (slot 0: cap in MiB,
 * 0 = idle; slot 1: the isolate's memory limit, for the message).
 */
const WATCH_OWN_MEMORY = process.argv.includes(WATCH_OWN_MEMORY_ARGUMENT);
const watchdogState = new Int32Array(new SharedArrayBuffer(8));
const WATCHDOG_SOURCE = `
const { workerData } = require('node:worker_threads');
const { writeSync } = require('node:fs');
const state = workerData.state;
setInterval(() => {
  const capMb = Atomics.load(state, 0);
  if (capMb === 0) return;
  const rssMb = Math.round(process.memoryUsage.rss() / 1048576);
  if (rssMb > capMb) {
    try {
      writeSync(2, '\\n' + workerData.mark + ' out of memory: resident memory ' + rssMb + ' MiB passed the hard cap of ' + capMb + ' MiB (isolate memory limit ' + Atomics.load(state, 1) + ' MiB)\\n');
    } finally {
      process.kill(process.pid, 'SIGKILL');
    }
  }
}, 20);
`;
if (WATCH_OWN_MEMORY) {
  // Loaded only here: worker_threads costs a worker that does not need it ~6 ms of start-up.
  const { Worker } = await import('node:worker_threads');
  new Worker(WATCHDOG_SOURCE, { eval: true, workerData: { state: watchdogState, mark: DEATH_MARK } }).unref();
}

function armWatchdog(capBytes: number, memoryMb: number): void {
  if (!WATCH_OWN_MEMORY) return;
  Atomics.store(watchdogState, 1, memoryMb);
  Atomics.store(watchdogState, 0, capBytes === 0 ? 0 : Math.ceil(capBytes / 1048576));
}

/** Leave a last word on stderr (the host keeps its tail) and kill this process outright. */
function dieWith(reason: string): never {
  try {
    writeSync(2, `\n${DEATH_MARK} ${reason}\n`);
  } finally {
    process.kill(process.pid, 'SIGKILL');
  }
  // SIGKILL is not deliverable to be ignored; this only satisfies the type checker.
  throw new Error(reason);
}

/** What the guest's host functions act on while a run is attached to a prepared isolate. */
interface RunState {
  output: OutputCollector;
  stdin: string;
  stop?: StopReason;
  exitCode: number;
  requestedExit?: number;
  interrupt(reason: StopReason): void;
}

/**
 * A fresh isolate with its context and the guest prelude installed, made ahead of the run that
 * will use it (right after the previous run ends, or at start-up), so a run starts at `compile`.
 */
interface Prepared {
  isolate: ivm.Isolate;
  context: ivm.Context;
  tick: ivm.Reference<(runDue: boolean) => number>;
  /** Holds `testSetup` from the snapshot (fetched only for runs with test code); undefined without a snapshot. */
  bound: ivm.Reference<{ testSetup: () => unknown }> | undefined;
  memoryMb: number;
  run: RunState | undefined;
  fatal: string | undefined;
  prepareMs: number;
  preparedAhead: boolean;
}

/** V8 code cache of the prelude, produced by this worker from its own source (never from users). */
let preludeCache: ivm.ExternalCopy<ArrayBuffer> | undefined;
// A one-shot worker compiles the prelude once: making the compact text would cost it more. The
// others take it from the machine's cache (made by the first worker, not by each one).
const PRELUDE_SCRIPT = `(${ONE_SHOT ? preludeSource('as-written') : compactPreludeSource()})`;
/** Without a snapshot: the prelude behind a function taking the host functions, as the snapshot's bind does. */
const INSTALL_SCRIPT = `((prelude) => (w, c, r, m) => prelude(w, c, r, 'main.js', { readPackage: (name) => m(name) }))${PRELUDE_SCRIPT}`;
const BIND_NAME = '__sandbenchBind';

/**
 * The prelude, run once at start-up inside a V8 startup snapshot that this worker makes from its
 * own source (never from users): every isolate then starts with the prelude already installed and
 * its functions already compiled (the warm-up below compiles the common paths; their bytecode is
 * kept in the snapshot). A run only binds the host functions: `__sandbenchBind` (hidden, deleted
 * by its own call, before any guest code exists) connects them, starts the run's clock and hands
 * the host `tick` and the test-code setup (`TEST_SETUP`, compiled here once, not per run).
 */
const SNAPSHOT_SCRIPT = `Object.defineProperty(globalThis, '${BIND_NAME}', { configurable: true, writable: true, enumerable: false, value: (() => {
  let write, control, readStdin, readPackage;
  const hooks = { readPackage: (name) => readPackage(name) };
  const tick = ${PRELUDE_SCRIPT}((stream, text) => write(stream, text), (kind, value) => control(kind, value), () => readStdin(), 'main.js', hooks);
  const testSetup = ${TEST_SETUP};
  return (w, c, r, m) => {
    delete globalThis.${BIND_NAME};
    // V8 installs WebAssembly afresh in every new context, after the snapshot's state.
    delete globalThis.WebAssembly;
    write = w;
    control = c;
    readStdin = r;
    readPackage = m;
    hooks.rebase();
    // Only the host holds this object: nothing of it is in the guest's reach.
    return { tick, testSetup };
  };
})() });`;

/**
 * What the snapshot maker runs in a throwaway context so that the prelude paths nearly every
 * program takes are compiled, and their bytecode kept in the snapshot. Kept small on purpose:
 * every isolate deserializes that bytecode, so warming rarely used paths (assert, inspect of
 * Maps, timers) costs more per run than compiling them on first use (measured).
 */
const SNAPSHOT_WARM_UP = "console.assert(1 === 1, 'x'); console.log('%s', 'warm', 1);";

/**
 * The warm-up as the snapshot maker runs it: bound to stub host functions, once as a program
 * without test code (the CommonJS wrapper) and once as test code after a program (`TEST_SETUP`
 * and the test's call), the harness's common path. Each entry deletes itself when used, so the
 * first is put back for the second; this context is thrown away.
 */
function snapshotWarmUp(program: string): string {
  return `{ const { tick, testSetup } = ${BIND_NAME}(() => 0, () => {}, () => '1\\n', () => '');
const entry = Object.getOwnPropertyDescriptor(globalThis, '__sandbenchRun');
const callTest = testSetup();
Object.defineProperty(globalThis, '__sandbenchRun', entry);
${WRAP_HEAD}
${program}
${WRAP_TAIL.trim()}
callTest(${TEST_HEAD}
${program}${TEST_TAIL});
for (let i = 0; i < 5 && tick(true) >= 0; i++);
}`;
}

let snapshot: ivm.ExternalCopy<ArrayBuffer> | undefined;

function makeSnapshot(): void {
  try {
    snapshot = ivm.Isolate.createSnapshot([{ code: SNAPSHOT_SCRIPT, filename: PRELUDE_FILENAME }], snapshotWarmUp(SNAPSHOT_WARM_UP));
  } catch (error) {
    // Fall back to compiling the prelude in every isolate (from a code cache).
    snapshot = undefined;
    writeSync(2, `isolate worker: no prelude snapshot (${error instanceof Error ? error.message : String(error)})\n`);
  }
}

function prepare(memoryMb: number): Prepared {
  const prepareStarted = performance.now();
  const isolate = new ivm.Isolate({
    memoryLimit: memoryMb,
    ...(snapshot ? { snapshot } : {}),
    onCatastrophicError: (message) => {
      // V8 lost control of this isolate (isolated-vm gives up ~10 s after a termination request
      // the guest ignores). Leave the evidence on stderr, which the host reads even after death,
      // and die at once: process.exit() can hang here, and an abort would dump core.
      slot.fatal = message;
      dieWith(`catastrophic isolate error: ${message}`);
    },
  });
  const context = isolate.createContextSync();
  const slot: Prepared = { isolate, context, tick: undefined as unknown as ivm.Reference<(runDue: boolean) => number>, bound: undefined, memoryMb, run: undefined, fatal: undefined, prepareMs: 0, preparedAhead: false };
  const write = new ivm.Callback((stream: number, text: string): number => {
    const run = slot.run;
    if (!run || run.stop) return 1;
    if (typeof text !== 'string') return 0;
    if (run.output.append(stream === 2 ? 2 : 1, text)) return 0;
    run.interrupt('output');
    return 1;
  });
  const control = new ivm.Callback((kind: number, value: number): void => {
    const run = slot.run;
    if (!run) return;
    const code = Number.isInteger(value) ? value : 1;
    if (kind === 0) {
      run.requestedExit = code;
      run.interrupt('exit');
    } else {
      run.exitCode = code;
    }
  });
  const readStdin = new ivm.Callback((): string => slot.run?.stdin ?? '');
  // A package's source for the guest's `require` (only the guest packages; '' for any other name).
  const readPackage = new ivm.Callback((name: string): string => (typeof name === 'string' ? (guestPackageSource(name) ?? '') : ''));
  if (snapshot) {
    const bind = context.global.getSync(BIND_NAME, { reference: true }) as ivm.Reference<Function>;
    const bound = bind.applySync(undefined, [write, control, readStdin, readPackage], {
      result: { reference: true },
    }) as ivm.Reference<{ tick: (runDue: boolean) => number; testSetup: () => unknown }>;
    slot.tick = bound.getSync('tick', { reference: true }) as ivm.Reference<(runDue: boolean) => number>;
    slot.bound = bound;
    bind.release();
  } else {
    let script: ivm.Script;
    if (preludeCache) {
      script = isolate.compileScriptSync(INSTALL_SCRIPT, { filename: PRELUDE_FILENAME, cachedData: preludeCache });
    } else {
      script = isolate.compileScriptSync(INSTALL_SCRIPT, { filename: PRELUDE_FILENAME, produceCachedData: true });
      preludeCache = (script as ivm.Script & { cachedData?: ivm.ExternalCopy<ArrayBuffer> }).cachedData;
    }
    const install = script.runSync(context, { reference: true }) as ivm.Reference<Function>;
    slot.tick = install.applySync(undefined, [write, control, readStdin, readPackage], {
      result: { reference: true },
    }) as ivm.Reference<(runDue: boolean) => number>;
    install.release();
    script.release();
  }
  slot.prepareMs = performance.now() - prepareStarted;
  return slot;
}

let prepared: Prepared | undefined;
let lastMemoryMb = 256;

function takePrepared(memoryMb: number): Prepared {
  const ready = prepared;
  prepared = undefined;
  if (ready && ready.memoryMb === memoryMb && !ready.isolate.isDisposed) {
    ready.preparedAhead = true;
    return ready;
  }
  if (ready && !ready.isolate.isDisposed) ready.isolate.dispose();
  return prepare(memoryMb);
}

/** Between runs: drop the used isolate and make the next one, off the next run's critical path. */
function prepareNext(used: ivm.Isolate | undefined): void {
  setImmediate(() => {
    if (used && !used.isDisposed) used.dispose();
    // A one-shot host likely has no next run: one that comes makes its own isolate.
    if (!prepared && !ONE_SHOT) {
      try {
        prepared = prepare(lastMemoryMb);
      } catch {
        prepared = undefined;
      }
    }
  });
}

/** The run in progress, so a `cancel` message can reach it. */
let current: { id: number; cancel: () => void } | undefined;

/**
 * How an attempt calls into the guest. `sync` (the first attempt, the fast path): entries block
 * this thread, bounded by isolated-vm's wall-clock timeout. `async` (a rerun): entries run on
 * isolated-vm's threads while this one meters their CPU time and run-queue delay and stops the
 * guest at its limits.
 */
type Mode = 'sync' | 'async';

/** One attempt at a run, in progress: the state its steps share. */
interface Attempt {
  request: RunMessage;
  mode: Mode;
  slot: Prepared;
  run: RunState;
  clock: GuestClock;
  /**
   * performance.now() past which entries are cut: on a first attempt the wall-clock limit (moved
   * later by the time the guest waited for a CPU, when that is known); on a rerun the backstop.
   */
  deadline: number;
  /** The entry in progress: when it started and the timeout it was given. */
  entry: { started: number; timeout: number } | undefined;
  /** When compiling ended and when evaluation ended (timer draining follows). */
  compiled: number;
  evaluated: number;
  /** Whether the test code's own step returned normally (runs with test code). */
  testReturned: boolean;
  sleep(ms: number): Promise<void>;
}

/** What an attempt leaves behind for the result. */
interface AttemptOutcome {
  facts: RunFacts;
  output: OutputCollector;
  cpuTimeMs: number;
  memoryBytes: number | null;
  /** The worker's resident memory just before the guest started. */
  residentBytes: number;
  phases: Omit<RunPhases, 'totalMs' | 'attempts'>;
}

/** How long a rerun may take on the wall clock before the machine is deemed too busy to judge it. */
function backstopMs(limits: WorkerLimits): number {
  return Math.min(limits.timeoutMs * RERUN_BACKSTOP_FACTOR, limits.timeoutMs + 600_000);
}

/**
 * A session's isolate and context, kept between its runs (session workers only: one session per
 * worker); undefined before the first session run and after a limit discarded it.
 */
let sessionSlot: Prepared | undefined;
/** Whether this worker ever made a session context (a new one is then a reset). */
let sessionStarted = false;

/**
 * One session run: the code evaluated as a classic script in the session's context, so its
 * top-level declarations and globals stay for the next run. Always measured as it goes (the
 * `async` mode of reruns): a run that changes state cannot be done again when load cut it. A run
 * stopped by a limit, `process.exit` or a cancel leaves its isolate disposed or suspect: the
 * context is discarded, and the next run says it got a fresh one.
 */
async function executeInSession(request: RunMessage): Promise<ResultMessage> {
  const started = performance.now();
  let contextReset = false;
  if (!sessionSlot || sessionSlot.isolate.isDisposed) {
    contextReset = sessionStarted;
    sessionSlot = takePrepared(request.limits.memoryMb);
    sessionStarted = true;
    // require, module, exports as globals, as the CommonJS wrapper gives a one-shot program.
    testSetupCall(sessionSlot).release();
  }
  const slot = sessionSlot;
  // The host's deadline allows the measured mode's backstop, as for a rerun.
  send({ type: 'extend', id: request.id, timeoutMs: backstopMs(request.limits) });
  const attempt = await runAttempt(request, 'async', slot);
  const verdict = classifyRun(attempt.facts);
  // Only a run that returned or threw on its own leaves a context fit for the next one (timers
  // still pending past a limit would fire in it).
  const ending = attempt.facts.ending.kind;
  if (verdict.kind !== 'verdict' || slot.isolate.isDisposed || (ending !== 'drained' && ending !== 'threw')) {
    if (!slot.isolate.isDisposed) slot.isolate.dispose();
    sessionSlot = undefined;
  }
  const result = resultMessage(request, verdict, attempt, { started, attempts: 1, residentBytes: attempt.residentBytes });
  if (contextReset) result.contextReset = true;
  return result;
}

/** The result message of a run's final attempt; throws when the run has no verdict (a fault, a lost rerun). */
function resultMessage(
  request: RunMessage,
  verdict: RunVerdict,
  attempt: Awaited<ReturnType<typeof runAttempt>>,
  run: { started: number; attempts: number; residentBytes: ResultMessage['residentBytes'] },
): ResultMessage {
  if (verdict.kind !== 'verdict') throw new Error(verdict.kind === 'fault' ? verdict.message : verdict.reason);
  const { output } = attempt;
  const result: ResultMessage = {
    type: 'result',
    id: request.id,
    status: verdict.status,
    exitCode: verdict.exitCode,
    stdout: output.stdout.join(''),
    stderr: output.stderr.join(''),
    stdoutTruncated: output.stdoutTruncated,
    stderrTruncated: output.stderrTruncated,
    durationMs: attempt.facts.clock.elapsedMs,
    cpuTimeMs: attempt.cpuTimeMs,
    memoryBytes: attempt.memoryBytes,
    phases: { ...attempt.phases, totalMs: performance.now() - run.started, attempts: run.attempts },
    residentBytes: run.residentBytes,
  };
  if (verdict.message !== undefined) result.message = verdict.message;
  if (verdict.testCompleted !== undefined) result.testCompleted = verdict.testCompleted;
  return result;
}

async function execute(request: RunMessage): Promise<ResultMessage> {
  if (request.session) return executeInSession(request);
  const started = performance.now();
  lastMemoryMb = request.limits.memoryMb;
  let attempt = await runAttempt(request, 'sync');
  // The baseline before any guest code of this run (a rerun's would follow the first attempt's).
  const { residentBytes } = attempt;
  let verdict: RunVerdict = classifyRun(attempt.facts);
  let attempts = 1;
  if (verdict.kind === 'rerun') {
    // The first attempt's verdict would be the machine's load talking: do it again, measured.
    send({ type: 'extend', id: request.id, timeoutMs: backstopMs(request.limits) });
    attempt = await runAttempt(request, 'async');
    verdict = classifyRun(attempt.facts);
    attempts = 2;
  }
  return resultMessage(request, verdict, attempt, { started, attempts, residentBytes });
}

/** Run the request once in a fresh isolate and gather the facts of how it ended. */
async function runAttempt(request: RunMessage, mode: Mode, kept?: Prepared): Promise<AttemptOutcome> {
  const { limits } = request;
  // A session's run uses the session's isolate, which outlives the run.
  const slot = kept ?? takePrepared(limits.memoryMb);
  const { isolate } = slot;
  let sleeping: { timer: NodeJS.Timeout; resolve: () => void } | undefined;
  const run: RunState = {
    output: new OutputCollector(limits.maxOutputBytes),
    stdin: request.stdin,
    exitCode: 0,
    interrupt(reason) {
      run.stop ??= reason;
      if (sleeping) {
        clearTimeout(sleeping.timer);
        sleeping.resolve();
      }
      // Terminate the guest now. This is called from a host function the guest invoked (it
      // may loop on in a catch), from a rerun's meter, or between entries; isolated-vm allows
      // disposal in all of them.
      if (!isolate.isDisposed && slot.run === run) isolate.dispose();
    },
  };
  slot.run = run;
  current = { id: request.id, cancel: () => run.interrupt('cancel') };
  // memoryLimit is a guideline: some allocations (a huge Array.prototype.fill) run far past it
  // in native code that ignores termination. The host (or the watchdog thread) holds this
  // process's resident memory under a hard cap over this baseline while the guest runs.
  const residentBytes = process.memoryUsage.rss();
  armWatchdog(residentCapBytes(residentBytes, limits.memoryMb), limits.memoryMb);
  // Started after the isolate is ready: making it is not the guest's time.
  const clock = new GuestClock(mode === 'sync' ? 'main-thread' : 'isolate-threads');
  const started = performance.now();
  const attempt: Attempt = {
    request,
    mode,
    slot,
    run,
    clock,
    deadline: started + (mode === 'sync' ? limits.timeoutMs : backstopMs(limits)),
    entry: undefined,
    compiled: started,
    evaluated: started,
    testReturned: false,
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        sleeping = { timer: setTimeout(resolve, ms), resolve };
      }).finally(() => {
        sleeping = undefined;
      }),
  };
  const meter = mode === 'async' ? setInterval(() => meterRerun(attempt), RERUN_METER_MS) : undefined;

  let ending: RunEnding;
  try {
    ending = await evaluate(attempt);
  } catch (error) {
    ending = endingOf(attempt, error);
  } finally {
    clearInterval(meter);
    armWatchdog(0, 0);
  }
  const reading = clock.read();
  const finished = performance.now();
  let memoryBytes: number | null = null;
  if (!isolate.isDisposed) {
    try {
      const heap = isolate.getHeapStatisticsSync();
      memoryBytes = heap.used_heap_size + heap.externally_allocated_size;
    } catch {
      memoryBytes = null;
    }
  }
  if (ending.kind === 'threw') {
    const last = run.output.stderr.at(-1);
    run.output.append(2, (last !== undefined && !last.endsWith('\n') ? '\n' : '') + ending.stderr + '\n');
  }
  slot.run = undefined;
  current = undefined;
  if (!kept) prepareNext(isolate);
  const facts: RunFacts = { ending, limits, clock: reading, exitCode: run.exitCode, mayRerun: mode === 'sync' };
  if (run.requestedExit !== undefined) facts.requestedExit = run.requestedExit;
  if (request.testCode !== undefined) facts.test = { returned: attempt.testReturned };
  const evaluated = attempt.evaluated > attempt.compiled ? attempt.evaluated : finished;
  return {
    facts,
    output: run.output,
    cpuTimeMs: reading.cpuMs,
    memoryBytes,
    residentBytes,
    phases: {
      prepareMs: slot.prepareMs,
      preparedAhead: slot.preparedAhead,
      compileMs: Math.max(0, attempt.compiled - started),
      evaluateMs: Math.max(0, evaluated - attempt.compiled),
      drainMs: Math.max(0, finished - evaluated),
    },
  };
}

/** A rerun's meter: stop the guest once its CPU time, or its clock less its waits for a CPU, reaches a limit. */
function meterRerun({ clock, run, request: { limits } }: Attempt): void {
  if (run.stop) return;
  const { cpuMs, elapsedMs, runQueueMs } = clock.read();
  if (cpuMs >= limits.cpuTimeMs) run.interrupt('cpu-limit');
  else if (elapsedMs - (runQueueMs ?? 0) >= limits.timeoutMs) run.interrupt('wall-limit');
}

/** Call into the guest with the time left as isolated-vm's timeout. */
async function enter<T>(attempt: Attempt, sync: (timeout: number) => T, async: (timeout: number) => Promise<T>): Promise<T> {
  const { limits } = attempt.request;
  const wall = attempt.deadline - performance.now();
  if (attempt.mode === 'async') {
    const timeout = Math.max(1, Math.ceil(wall));
    attempt.entry = { started: performance.now(), timeout };
    return async(timeout);
  }
  const timeout = Math.max(1, Math.ceil(Math.min(wall, limits.cpuTimeMs - attempt.clock.cpuMs())));
  attempt.entry = { started: performance.now(), timeout };
  const value = sync(timeout);
  if (attempt.clock.cpuMs() >= limits.cpuTimeMs) attempt.run.stop ??= 'cpu-limit';
  return value;
}

/** Compile and evaluate the program, then run its timers until none is left or it must stop. */
async function evaluate(attempt: Attempt): Promise<RunEnding> {
  const { slot, run } = attempt;
  const program = compileProgram(attempt);
  attempt.compiled = performance.now();
  if (program.kind === 'module') {
    const { module } = program;
    await enter(attempt, (timeout) => module.evaluateSync({ timeout }), (timeout) => module.evaluate({ timeout }));
    // The test code is the module's tail: the module returned, so the test code ran to its end.
    attempt.testReturned = !run.stop;
  } else if (program.test) {
    await runWithTest(attempt, program.script, program.test);
  } else {
    const { script } = program;
    await enter(attempt, (timeout) => script.runSync(slot.context, { timeout }), (timeout) => script.run(slot.context, { timeout }));
  }
  attempt.evaluated = performance.now();
  // The guest's event loop: run due timers one per entry (microtasks drain after each, as in
  // Node), sleep until the next one, stop when the queue is empty or a limit is reached.
  const tick = (runDue: boolean) =>
    enter(
      attempt,
      (timeout) => slot.tick.applySync(undefined, [runDue], { timeout, result: { copy: true } }),
      (timeout) => slot.tick.apply(undefined, [runDue], { timeout, result: { copy: true } }),
    );
  for (;;) {
    if (run.stop) return { kind: 'stopped', reason: run.stop };
    const wait = await tick(false);
    if (run.stop) return { kind: 'stopped', reason: run.stop };
    if (typeof wait !== 'number' || wait < 0) return { kind: 'drained' };
    if (wait === 0) {
      await tick(true);
      continue;
    }
    const late = timerIsLate(attempt, wait);
    if (late) return late;
    await attempt.sleep(wait);
  }
}

/**
 * The ending when the next timer, `wait` ms away, comes too late: past the wall-clock limit (not
 * counting time the guest spent waiting for a CPU), or past a rerun's backstop. Undefined when it
 * is in time; a first attempt's deadline then moves by the guest's run-queue delay so far.
 */
function timerIsLate(attempt: Attempt, wait: number): RunEnding | undefined {
  const { limits } = attempt.request;
  if (attempt.mode === 'sync' && performance.now() + wait < attempt.deadline) return undefined;
  const { elapsedMs, runQueueMs } = attempt.clock.read();
  if (elapsedMs - (runQueueMs ?? 0) + wait >= limits.timeoutMs) return { kind: 'timer-after-limit' };
  if (attempt.mode === 'async') {
    return performance.now() + wait >= attempt.deadline ? { kind: 'backstop', backstopMs: backstopMs(limits) } : undefined;
  }
  attempt.deadline = performance.now() - elapsedMs + limits.timeoutMs + (runQueueMs ?? 0);
  return undefined;
}

/**
 * The program, then its test code as a step of its own: the host calls the test function itself
 * and sees it return. Nothing in the isolate stands for "the test ended", so nothing can forge it.
 */
async function runWithTest(attempt: Attempt, program: ivm.Script, test: ivm.Script): Promise<void> {
  const { context } = attempt.slot;
  const callTest = testSetupCall(attempt.slot);
  try {
    await enter(attempt, (timeout) => program.runSync(context, { timeout }), (timeout) => program.run(context, { timeout }));
    if (attempt.run.stop) return;
    // Evaluating a function expression runs no guest code; the call below runs the test.
    const body = test.runSync(context, { reference: true, timeout: 1_000 }) as ivm.Reference<unknown>;
    try {
      await enter(
        attempt,
        (timeout) => callTest.applySync(undefined, [body.derefInto()], { timeout }),
        (timeout) => callTest.apply(undefined, [body.derefInto()], { timeout }),
      );
    } finally {
      body.release();
    }
    attempt.testReturned = !attempt.run.stop;
  } finally {
    callTest.release();
  }
}

/**
 * Runs `TEST_SETUP` in a prepared context (CommonJS names as globals) and returns its function
 * that calls test code. The worker's own code, before any guest code: bounded, but no entry of
 * the guest's. From the prelude snapshot when there is one (compiled once per worker), else
 * compiled here.
 */
function testSetupCall({ isolate, context, bound }: Prepared): ivm.Reference<(body: unknown) => void> {
  const setup = (bound
    ? bound.getSync('testSetup', { reference: true })
    : isolate.compileScriptSync(`(${TEST_SETUP})`, { filename: PRELUDE_FILENAME }).runSync(context, { reference: true })) as ivm.Reference<() => unknown>;
  const callTest = setup.applySync(undefined, [], { result: { reference: true }, timeout: 1_000 }) as ivm.Reference<(body: unknown) => void>;
  setup.release();
  return callTest;
}

/** How an attempt ended, from what its entry threw. */
function endingOf(attempt: Attempt, error: unknown): RunEnding {
  const { run, slot, entry } = attempt;
  if (run.stop) return { kind: 'stopped', reason: run.stop };
  const text = error instanceof Error ? error.message : undefined;
  // isolated-vm disposes an isolate that crosses its memoryLimit (and only then, here).
  if (slot.isolate.isDisposed) return text === undefined ? { kind: 'disposed' } : { kind: 'disposed', text };
  if (text === TIMED_OUT && entry && performance.now() - entry.started >= entry.timeout - 5) {
    return attempt.mode === 'sync' ? { kind: 'cut' } : { kind: 'backstop', backstopMs: backstopMs(attempt.request.limits) };
  }
  const described = describeThrown(error, attempt.request.filename);
  return { kind: 'threw', stderr: described.stderr, message: described.message };
}

type Program = { kind: 'script'; script: ivm.Script; test?: ivm.Script } | { kind: 'module'; module: ivm.Module };

function compileProgram({ request, slot }: Attempt): Program {
  const { isolate } = slot;
  const { filename, testCode } = request;
  if (request.session) {
    // No wrapper: a classic script's top-level declarations are the context's, for later runs.
    return { kind: 'script', script: isolate.compileScriptSync(request.code, { filename }) };
  }
  if (request.kind === 'script') {
    const code = request.code.startsWith('#!') ? '//' + request.code : request.code;
    try {
      if (testCode === undefined) {
        // The wrapper sits on its own line 0, so the program's lines and columns are its own.
        return { kind: 'script', script: isolate.compileScriptSync(WRAP_HEAD + '\n' + code + WRAP_TAIL, { filename, lineOffset: -1 }) };
      }
      // Two classic scripts of one context: no wrapper around the program (no `return` at its
      // top level, no `arguments` to read), the test code's positions those of the joined text.
      const script = isolate.compileScriptSync(code, { filename });
      const test = isolate.compileScriptSync(TEST_HEAD + '\n' + testCode + TEST_TAIL, { filename, lineOffset: (request.testLine ?? 0) - 1 });
      return { kind: 'script', script, test };
    } catch (error) {
      // Like Node 24's syntax detection: a .js file with import/export runs as an ES module.
      if (!(error instanceof SyntaxError) || !MODULE_SYNTAX.test(error.message)) throw error;
    }
  }
  if (testCode === undefined) return { kind: 'module', module: compileModule(slot, request.code, filename) };
  // One module: its top-level bindings are the test's. The answer must be a complete module on
  // its own, so the test code cannot end up inside its comment, string or block, and `;` keeps
  // the test's first line from continuing the answer's last expression.
  isolate.compileModuleSync(request.code, { filename });
  return { kind: 'module', module: compileModule(slot, request.code + (request.code.endsWith('\n') ? '' : '\n') + ';' + testCode, filename) };
}

/** Compile an ES module and link its imports to the built-in guest modules. */
function compileModule({ isolate, context }: Prepared, code: string, filename: string): ivm.Module {
  const module = isolate.compileModuleSync(code, { filename });
  const builtins = new Map<string, ivm.Module>();
  module.instantiateSync(context, (specifier) => {
    const bare = specifier.startsWith('node:') ? specifier.slice(5) : specifier;
    // A guest package (lodash) is CommonJS: as in Node, its module object is the default export.
    const names = BUILTIN_EXPORTS[bare] ?? (bare === specifier && GUEST_PACKAGES.includes(bare) ? [] : undefined);
    if (!names) {
      // Made here, in the worker: its stack would be the worker's frames, so it gets none.
      const error = new Error(`Cannot find module '${specifier}' imported from ${filename}`);
      error.stack = `Error: ${error.message}`;
      throw error;
    }
    let builtin = builtins.get(bare);
    if (!builtin) {
      const source =
        `const m = globalThis.__sandbenchBuiltin(${JSON.stringify(bare)});\n` +
        `export default m;\n` +
        (names.length > 0 ? `export const { ${names.join(', ')} } = m;\n` : '');
      builtin = isolate.compileModuleSync(source, { filename: BUILTIN_EXPORTS[bare] ? `node:${bare}` : bare });
      builtin.instantiateSync(context, () => {
        throw new Error('built-in guest modules import nothing');
      });
      builtins.set(bare, builtin);
    }
    return builtin;
  });
  return module;
}
let queue: Promise<void> = Promise.resolve();

process.on('message', (message: HostMessage) => {
  if (message.type === 'cancel') {
    if (current?.id === message.id) current.cancel();
    return;
  }
  if (message.type === 'run') {
    queue = queue.then(async () => {
      try {
        send(await execute(message));
      } catch (error) {
        // An engine fault (not the guest's doing): the host turns it into a SandboxError.
        current = undefined;
        send({ type: 'failure', id: message.id, message: error instanceof Error ? error.message : String(error) });
      }
    });
  }
});
// The host went away: nothing left to serve.
process.on('disconnect', () => process.exit(0));
// Warm up before taking work (not for a one-shot host): the first run in a process pays tens of
// milliseconds of one-off costs (isolated-vm's glue, V8's first compilations). A throwaway run
// takes them instead.
const initialMemoryMb = Number(process.env.SANDBENCH_ISOLATE_MEMORY_MB);
if (Number.isInteger(initialMemoryMb) && initialMemoryMb > 0) lastMemoryMb = initialMemoryMb;
const WARM_UP = [
  "const assert = require('assert');",
  "console.log('%s %d', 'warm', 1, [1, 2, { a: 'b' }], new Map([[1, 2]]));",
  "console.assert(1 === 2, 'x');",
  "assert.deepStrictEqual({ a: [1] }, { a: [1] });",
  "require('fs').readFileSync(0, 'utf8');",
  'setTimeout(() => Promise.resolve().then(() => 1), 0);',
].join('\n');
if (!ONE_SHOT) {
  if (process.env.SANDBENCH_ISOLATE_NO_SNAPSHOT !== '1') makeSnapshot();
  await execute({
    type: 'run',
    id: 0,
    code: WARM_UP,
    kind: 'script',
    filename: 'main.js',
    stdin: '1\n',
    limits: { timeoutMs: 10_000, cpuTimeMs: 10_000, memoryMb: lastMemoryMb, maxOutputBytes: 1_048_576 },
  });
}
// The first run's isolate, made while the host gets its run ready.
prepared ??= prepare(lastMemoryMb);
send({ type: 'ready', snapshot: snapshot !== undefined, warmUp: !ONE_SHOT, startMs: performance.now() });
