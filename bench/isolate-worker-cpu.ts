/**
 * Worker CPU per run, the isolate's bottleneck on a 2-core machine: one isolate worker process,
 * forked directly (the pool's flags), runs HumanEval-X JavaScript references one after another
 * the way the harness sends them (the program, then its test code as a step of its own), and
 * the script prints the worker's CPU time per run (user + system, from /proc) and the wall time.
 * A single worker, one run at a time, so the figure does not depend on how busy the other core is.
 *
 *   ./sandbench --node bench/isolate-worker-cpu.ts
 *
 * Environment: BENCH_RUNS (runs timed, default 1640: the references 10 times over),
 * BENCH_ROUNDS (default 3, the median is printed), BENCH_JOINED=1 (the joined program as one
 * script, no test step), BENCH_WORKER (another worker script, e.g. an older version's, to compare),
 * BENCH_WORKER_FLAGS (the base flags instead of the pool's, space-separated), BENCH_PROFILE_DIR (write a V8 CPU profile of the worker there: the
 * worker exits normally at the end, so the profile is written), SANDBENCH_ISOLATE_WORKER_FLAGS
 * (extra worker flags, as for the pool).
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { envNumber } from './bench-env.ts';
import { loadHumanEvalXJs } from './humaneval-programs.ts';
import { machineLoad, median } from './print-table.ts';
import { WORKER_FLAGS } from '../src/sandboxes/isolate/isolate-pool.ts';
import type { RunMessage, WorkerMessage } from '../src/sandboxes/isolate/protocol.ts';
import { joinProgram } from '../src/sandboxes/sandbox.ts';

const WORKER = process.env.BENCH_WORKER ?? fileURLToPath(new URL('../src/sandboxes/isolate/isolate-worker.ts', import.meta.url));
const runs = envNumber('BENCH_RUNS', 1640);
const rounds = envNumber('BENCH_ROUNDS', 3);
const joined = process.env.BENCH_JOINED === '1';
const profileDir = process.env.BENCH_PROFILE_DIR;
const extraFlags = (process.env.SANDBENCH_ISOLATE_WORKER_FLAGS ?? '').split(/\s+/).filter((flag) => flag !== '');
const baseFlags = process.env.BENCH_WORKER_FLAGS === undefined ? WORKER_FLAGS : process.env.BENCH_WORKER_FLAGS.split(/\s+/).filter((flag) => flag !== '');
const CLOCK_TICKS = 100;

/** CPU milliseconds (user + system) and minor page faults of a process, from /proc. */
function processFigures(pid: number): { cpuMs: number; minorFaults: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return { cpuMs: (Number(fields[11]) + Number(fields[12])) * (1000 / CLOCK_TICKS), minorFaults: Number(fields[7]) };
}

type Job = Omit<RunMessage, 'type' | 'id'>;

function jobs(): Job[] {
  const limits = { timeoutMs: 5_000, cpuTimeMs: 5_000, memoryMb: 256, maxOutputBytes: 1_048_576 };
  return loadHumanEvalXJs().map((record) => {
    const source = record.prompt + record.canonical_solution;
    const { text, testOffset } = joinProgram(source, record.test);
    if (joined) return { code: text, kind: 'script', filename: 'main.js', stdin: '', limits };
    const testLine = text.slice(0, testOffset).split('\n').length - 1;
    return { code: source, testCode: record.test, testLine, kind: 'script', filename: 'main.js', stdin: '', limits };
  });
}

interface Round {
  /** The worker's start-up: wall time to its ready message, and CPU time by then. */
  startMs: number;
  startCpuMs: number;
  cpuMs: number;
  minorFaults: number;
  wallMs: number;
  passed: number;
}

async function round(all: Job[], profile: boolean): Promise<Round> {
  const child = fork(WORKER, [], {
    execArgv: [...baseFlags, ...extraFlags, ...(profile && profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [])],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    serialization: 'json',
  });
  const pending = new Map<number, (message: WorkerMessage) => void>();
  let startMs = 0;
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  child.on('message', (message: WorkerMessage) => {
    if (message.type === 'ready') {
      startMs = message.startMs;
      // A worker that could not make its snapshot would be timed on another path.
      if (!message.snapshot) throw new Error('the worker made no prelude snapshot (see its stderr)');
      ready();
    }
    else if ('id' in message && message.type !== 'extend') pending.get(message.id)?.(message);
  });
  await isReady;
  const pid = child.pid as number;
  const before = processFigures(pid);
  const startCpuMs = before.cpuMs;
  const started = performance.now();
  let passed = 0;
  for (let index = 0; index < runs; index++) {
    const job = all[index % all.length] as Job;
    const answer = await new Promise<WorkerMessage>((resolve) => {
      pending.set(index + 1, resolve);
      child.send({ type: 'run', id: index + 1, ...job } satisfies RunMessage);
    });
    pending.delete(index + 1);
    if (answer.type === 'result' && answer.status === 'ok' && answer.stdout === '' && answer.stderr === '' && answer.testCompleted !== false) passed++;
  }
  const wallMs = performance.now() - started;
  const after = processFigures(pid);
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.disconnect();
  });
  return { startMs, startCpuMs, cpuMs: after.cpuMs - before.cpuMs, minorFaults: after.minorFaults - before.minorFaults, wallMs, passed };
}

const all = jobs();
const results: Round[] = [];
for (let index = 0; index < rounds; index++) results.push(await round(all, index === rounds - 1));
const perRun = results.map((result) => result.cpuMs / runs);
console.log(`isolate worker, ${joined ? 'joined program' : 'program + test step'}, ${runs} runs x ${rounds} rounds, worker ${WORKER}, flags ${[...baseFlags, ...extraFlags].join(' ')}`);
for (const [index, result] of results.entries()) {
  console.log(`  round ${index + 1}: worker CPU ${result.cpuMs.toFixed(0)} ms (${(result.cpuMs / runs).toFixed(3)} ms/run), ${(result.minorFaults / runs).toFixed(0)} page faults/run, wall ${result.wallMs.toFixed(0)} ms, start-up ${result.startMs.toFixed(0)} ms (CPU ${result.startCpuMs.toFixed(0)} ms), passed ${result.passed}/${runs}`);
}
console.log(`median worker CPU per run: ${median(perRun).toFixed(3)} ms   (${machineLoad()})`);
