/**
 * HumanEval-X JavaScript reference programs through (a) IsolateSandbox with its defaults and
 * (b) one `node test.js` subprocess per sample (CodeGeeX's way), both at concurrency 2, on the
 * same Node. Prints wall times, per-sample medians, the ratio, and pass counts under the
 * upstream criterion (exit 0, empty stdout and stderr).
 *
 *   node bench/isolate-vs-node.ts     (SANDBENCH_DATA defaults to <repo>/../shared/data;
 *                                      BENCH_ROUNDS, default 3, alternates the order per round;
 *                                      BENCH_ISOLATE_WORKERS overrides the worker count, for tuning)
 *
 * Also prints CPU per sample on both sides (from /proc: worker processes, waited-for children),
 * which is what the wall ratio converges to on a busy machine, and where an isolate run's time
 * goes (phases the worker reports, collected through a trace-level logger).
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { pino } from 'pino';
import { IsolateSandbox } from '../src/sandboxes/isolate-sandbox.ts';

const CONCURRENCY = 2;
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const dataRoot = process.env.SANDBENCH_DATA ?? join(repoRoot, '..', 'shared', 'data');

interface Sample {
  taskId: string;
  program: string;
}

interface Outcome {
  passed: boolean;
  ms: number;
  detail: string;
}

function loadSamples(): Sample[] {
  const text = gunzipSync(readFileSync(join(dataRoot, 'humaneval-x-js', 'humaneval_js.jsonl.gz'))).toString('utf8');
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const record = JSON.parse(line) as { task_id: string; prompt: string; canonical_solution: string; test: string };
    samples.push({ taskId: record.task_id, program: record.prompt + record.canonical_solution + '\n' + record.test });
  }
  return samples;
}

async function runAll(samples: Sample[], runOne: (sample: Sample) => Promise<Outcome>): Promise<{ wallMs: number; outcomes: Outcome[] }> {
  const outcomes: Outcome[] = new Array(samples.length);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < samples.length) {
        const index = next++;
        outcomes[index] = await runOne(samples[index] as Sample);
      }
    }),
  );
  return { wallMs: performance.now() - started, outcomes };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

function nodeSubprocess(workRoot: string): (sample: Sample) => Promise<Outcome> {
  let counter = 0;
  return async (sample) => {
    const folder = join(workRoot, String(counter++));
    const started = performance.now();
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'test.js'), sample.program);
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, ['test.js'], { cwd: folder, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ code, output });
      });
    });
    const ms = performance.now() - started;
    return { passed: code === 0 && output === '', ms, detail: output.split('\n')[0] ?? '' };
  };
}

interface PhaseRecord {
  phases: { prepareMs: number; preparedAhead: boolean; compileMs: number; evaluateMs: number; drainMs: number; totalMs: number };
  hostMs: number;
  ipcMs: number;
}

/** CPU milliseconds of a process (utime + stime) from /proc, or of its waited-for children. */
function procCpuMs(pid: number | 'self', children = false): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    const [user, system] = children ? [fields[13], fields[14]] : [fields[11], fields[12]];
    return (Number(user) + Number(system)) * (1000 / CLOCK_TICKS);
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS = 100;

function hostCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function mean(values: number[]): number {
  return values.reduce((total, value) => total + value, 0) / Math.max(1, values.length);
}

async function isolatePass(
  samples: Sample[],
  records: PhaseRecord[],
): Promise<{ wallMs: number; outcomes: Outcome[]; startupMs: number; phases: PhaseRecord[]; cpuMs: { workers: number; host: number } }> {
  // The pool logs each run's phases at trace level; a collecting logger gathers them.
  const logger = pino({ level: 'trace' }, {
    write(line: string) {
      const entry = JSON.parse(line) as Partial<PhaseRecord> & { msg?: string };
      if (entry.msg === 'isolate run' && entry.phases) records.push(entry as PhaseRecord);
    },
  });
  // BENCH_ISOLATE_WORKERS overrides the default worker count (for tuning experiments only).
  const workers = process.env.BENCH_ISOLATE_WORKERS ? Number(process.env.BENCH_ISOLATE_WORKERS) : undefined;
  const sandbox = new IsolateSandbox({ logger, ...(workers ? { workers } : {}) });
  try {
    // Start-up (worker spawn + warm-up) is timed apart from the steady state.
    const startupBegan = performance.now();
    await Promise.all([sandbox.run({ language: 'javascript', source: '' }), sandbox.run({ language: 'javascript', source: '' })]);
    const startupMs = performance.now() - startupBegan;
    records.length = 0;
    const pids = sandbox.workerPids;
    const workerCpuBefore = pids.reduce((total, pid) => total + procCpuMs(pid), 0);
    const hostCpuBefore = hostCpuMs();
    const run = await runAll(samples, async (sample) => {
      const started = performance.now();
      const result = await sandbox.run({ language: 'javascript', source: sample.program });
      return {
        passed: result.status === 'ok' && result.exitCode === 0 && result.stdout === '' && result.stderr === '',
        ms: performance.now() - started,
        detail: `${result.status} ${(result.stderr || result.stdout).split('\n')[0] ?? ''}`,
      };
    });
    const workerCpuMs = pids.reduce((total, pid) => total + procCpuMs(pid), 0) - workerCpuBefore;
    const hostCpu = hostCpuMs() - hostCpuBefore;
    return { ...run, startupMs, phases: [...records], cpuMs: { workers: workerCpuMs, host: hostCpu } };
  } finally {
    await sandbox.dispose();
  }
}

async function subprocessPass(samples: Sample[]): Promise<{ wallMs: number; outcomes: Outcome[]; cpuMs: { children: number; host: number } }> {
  const workRoot = await mkdtemp(join(tmpdir(), 'sandbench-bench-'));
  try {
    const childrenBefore = procCpuMs('self', true);
    const hostBefore = hostCpuMs();
    const run = await runAll(samples, nodeSubprocess(workRoot));
    return { ...run, cpuMs: { children: procCpuMs('self', true) - childrenBefore, host: hostCpuMs() - hostBefore } };
  } finally {
    await rm(workRoot, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const samples = loadSamples();
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
  console.log(`HumanEval-X JS: ${samples.length} reference programs, concurrency ${CONCURRENCY}, node ${process.version}, ${rounds} round(s)`);
  const failed = (outcomes: Outcome[]) =>
    outcomes.flatMap((outcome, index) => (outcome.passed ? [] : [`${samples[index]?.taskId}: ${outcome.detail.slice(0, 60)}`]));
  const line = (label: string, run: { wallMs: number; outcomes: Outcome[] }) => {
    const passed = run.outcomes.filter((outcome) => outcome.passed).length;
    return `${label.padEnd(18)} wall ${run.wallMs.toFixed(0).padStart(6)} ms   median/sample ${median(run.outcomes.map((o) => o.ms)).toFixed(2).padStart(6)} ms   passed ${passed}/${samples.length}`;
  };
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  const isolateWalls: number[] = [];
  const subprocessWalls: number[] = [];
  let lastIsolate: Awaited<ReturnType<typeof isolatePass>> | undefined;
  let lastSubprocess: Awaited<ReturnType<typeof subprocessPass>> | undefined;
  for (let round = 1; round <= rounds; round++) {
    // Rounds alternate the order so a slow patch of a shared machine hits both sides alike.
    let isolate: Awaited<ReturnType<typeof isolatePass>>;
    let subprocess: Awaited<ReturnType<typeof subprocessPass>>;
    if (round % 2 === 1) {
      isolate = await isolatePass(samples, []);
      subprocess = await subprocessPass(samples);
    } else {
      subprocess = await subprocessPass(samples);
      isolate = await isolatePass(samples, []);
    }
    lastIsolate = isolate;
    lastSubprocess = subprocess;
    ratios.push(subprocess.wallMs / isolate.wallMs);
    isolateWalls.push(isolate.wallMs);
    subprocessWalls.push(subprocess.wallMs);
    console.log(`round ${round}: (isolate start-up, not counted: ${isolate.startupMs.toFixed(0)} ms)`);
    console.log('  ' + line('isolate', isolate));
    console.log('  ' + line('node subprocess', subprocess));
    const perSample = (ms: number) => (ms / samples.length).toFixed(2);
    console.log(
      `  CPU per sample: isolate workers ${perSample(isolate.cpuMs.workers)} + host ${perSample(isolate.cpuMs.host)} ms; ` +
        `node children ${perSample(subprocess.cpuMs.children)} + host ${perSample(subprocess.cpuMs.host)} ms`,
    );
    cpuRatios.push((subprocess.cpuMs.children + subprocess.cpuMs.host) / (isolate.cpuMs.workers + isolate.cpuMs.host));
    console.log(`  wall ratio ${(subprocess.wallMs / isolate.wallMs).toFixed(1)}x, CPU ratio ${(cpuRatios.at(-1) ?? 0).toFixed(1)}x`);
  }
  console.log(
    `median over rounds: isolate ${median(isolateWalls).toFixed(0)} ms, subprocess ${median(subprocessWalls).toFixed(0)} ms, ratio ${median(ratios).toFixed(1)}x (best ${Math.max(...ratios).toFixed(1)}x, worst ${Math.min(...ratios).toFixed(1)}x)`,
  );
  console.log(`median CPU ratio over rounds: ${median(cpuRatios).toFixed(1)}x (load-independent: CPU spent per sample, both sides)`);
  if (lastIsolate) {
    const phases = lastIsolate.phases;
    const pick = (get: (record: PhaseRecord) => number) => `${mean(phases.map(get)).toFixed(2)} (median ${median(phases.map(get)).toFixed(2)})`;
    console.log(`where an isolate run's time goes (last round, ms per sample, mean and median):`);
    console.log(`  host-observed run            ${pick((r) => r.hostMs)}`);
    console.log(`  IPC + host bookkeeping       ${pick((r) => r.ipcMs)}`);
    console.log(`  worker execute() total       ${pick((r) => r.phases.totalMs)}`);
    console.log(`    compile program            ${pick((r) => r.phases.compileMs)}`);
    console.log(`    evaluate (+ microtasks)    ${pick((r) => r.phases.evaluateMs)}`);
    console.log(`    drain timer queue (peek)   ${pick((r) => r.phases.drainMs)}`);
    console.log(`  prepare next isolate+context+prelude (between runs, off the request path) ${pick((r) => r.phases.prepareMs)}; prepared ahead for ${phases.filter((r) => r.phases.preparedAhead).length}/${phases.length} runs`);
    console.log(`failed under isolate: ${failed(lastIsolate.outcomes).join(' | ')}`);
  }
  if (lastSubprocess) console.log(`failed under node:    ${failed(lastSubprocess.outcomes).join(' | ')}`);
}

await main();
