/**
 * Harness overhead per sample: what a run costs beyond executing the answers. 10,000 samples
 * (100 small JavaScript tasks x 100 samples) with an instant model, in the isolate backend:
 *
 *   direct      the same 10,000 completions scored with scoreCompletion at the same
 *               concurrency, no model, no journal: the execution work alone (the baseline);
 *   in-process  runSuite with a model object that answers at once (a fenced block, as chat
 *               models answer): prompt building, extraction, pipelining, journal, summary;
 *   http        runSuite with an OpenAI-compatible provider model (the AI SDK adapter) against a
 *               local HTTP server in another process that answers at once (BENCH_HTTP=0 skips it).
 *
 * Per-sample overhead = (run wall - direct wall) / samples; also the host process's CPU per
 * sample and its peak RSS (the isolate workers are other processes). Targets (issue 12):
 * <= 1 ms per sample over HTTP, <= 0.5 ms in-process, peak RSS <= 300 MB.
 *
 *   ./sandbench --node bench/harness-overhead.ts
 *
 * Environment: BENCH_QUICK=1 (1,000 samples); BENCH_TASKS (default 100); BENCH_SAMPLES (default
 * 100); BENCH_ROUNDS (default 2; rounds alternate the order); BENCH_CONCURRENCY (default 2);
 * BENCH_VARIANTS (comma list of variants, default all); BENCH_MEMORY_DEBUG=1 (with
 * `--expose-gc`: each run's heap after a GC). Each variant runs in its own process per round, so
 * its peak RSS is its own.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { loadSuite, type Suite } from '../src/datasets/load-suite.ts';
import { runSuite } from '../src/harness/run-suite.ts';
import { scoreCompletion } from '../src/harness/score-completion.ts';
import type { Model } from '../src/models/model.ts';
import { IsolateSandbox } from '../src/sandboxes/isolate-sandbox.ts';
import { SandboxSet } from '../src/sandboxes/resolve-sandbox.ts';
import { envNumber, quickMode } from './bench-env.ts';
import { formatMs, machineLoad, median, printTable } from './print-table.ts';

const quick = quickMode();
const taskCount = envNumber('BENCH_TASKS', quick ? 20 : 100);
const samples = envNumber('BENCH_SAMPLES', quick ? 50 : 100);
const rounds = envNumber('BENCH_ROUNDS', quick ? 1 : 2);
const concurrency = envNumber('BENCH_CONCURRENCY', 2);
const withHttp = process.env.BENCH_HTTP !== '0';
const total = taskCount * samples;

/** One variant's figures from one round, as a child process reports them. */
interface ChildReport {
  name: string;
  wallMs: number;
  cpuMs: number;
  passed: number;
  peakRssMb: number;
}

// Each variant runs in a process of its own, once per round (order alternating), so that its
// peak RSS is its own: a run of 10,000 samples is what the RSS target is about.
if (!process.env.BENCH_CHILD) {
  const names = process.env.BENCH_VARIANTS ? process.env.BENCH_VARIANTS.split(',').map((name) => name.trim()) : ['direct', 'in-process', ...(withHttp ? ['http'] : [])];
  const reports = new Map<string, ChildReport[]>(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round += 1) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const child = spawn(process.execPath, [...process.execArgv, import.meta.filename], {
        env: { ...process.env, BENCH_CHILD: '1', BENCH_VARIANTS: name },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const lines: string[] = [];
      createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
      const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
      const report = lines.map((line) => (line.startsWith('{') ? (JSON.parse(line) as ChildReport) : undefined)).find(Boolean);
      if (code !== 0 || !report) throw new Error(`the ${name} run failed (exit ${code})`);
      reports.get(name)!.push(report);
      process.stderr.write(`round ${round + 1} ${name}: ${formatMs(report.wallMs)}, passed ${report.passed}/${total}, peak RSS ${report.peakRssMb.toFixed(0)} MB\n`);
    }
  }
  const directWall = reports.has('direct') ? median(reports.get('direct')!.map((entry) => entry.wallMs)) : Number.NaN;
  const rows = names.map((name) => {
    const entries = reports.get(name)!;
    const wall = median(entries.map((entry) => entry.wallMs));
    const cpu = median(entries.map((entry) => entry.cpuMs));
    return [
      name,
      formatMs(wall),
      `${(wall / directWall).toFixed(2)}x`,
      name === 'direct' ? '-' : `${((wall - directWall) / total).toFixed(3)} ms`,
      `${(cpu / total).toFixed(3)} ms`,
      `${Math.max(...entries.map((entry) => entry.peakRssMb)).toFixed(0)} MB`,
      entries.every((entry) => entry.passed === total) ? 'all' : entries.map((entry) => entry.passed).join('/'),
    ];
  });
  process.stdout.write(`harness overhead: ${total} samples (${taskCount} tasks x ${samples}), isolate, concurrency ${concurrency}, ${rounds} round(s), ${machineLoad()}\n`);
  printTable(['variant', 'wall (median)', 'vs direct', 'overhead/sample', 'host CPU/sample', 'peak RSS (max)', 'passed'], rows);
  process.stdout.write('overhead/sample = (wall - direct wall) / samples; host CPU and peak RSS are the run process\'s own (the isolate workers are other processes).\n');
  process.exit(0);
}

const folder = mkdtempSync(join(tmpdir(), 'sandbench-overhead-'));
// Small tasks whose answers run in about a millisecond: the harness's share shows.
const tasks = Array.from({ length: taskCount }, (_, index) => ({
  id: `double-${index}`,
  prompt: `Write a JavaScript function double(x) that returns 2 * x. (variant ${index})`,
  language: 'javascript',
  codePrefix: '',
  tests: [{ kind: 'program', code: `if (double(${index}) !== ${index * 2}) throw new Error('double(${index}) is wrong');\n` }],
  reference: 'function double(x) {\n  return 2 * x;\n}\n',
}));
writeFileSync(join(folder, 'double.json'), JSON.stringify(tasks));
const suite: Suite = await loadSuite(join(folder, 'double.json'));
const answer = (reference: string): string => 'Here is the function:\n\n```javascript\n' + reference + '```\n';

const instantModel: Model = {
  id: 'bench:instant',
  async generate(request) {
    return { text: answer(request.task!.reference!), toolCalls: [], usage: { inputTokens: 50, outputTokens: 20 }, finishReason: 'stop' };
  },
};

interface Measure {
  wallMs: number;
  cpuMs: number;
  passed: number;
}

const sandbox = new IsolateSandbox({ workers: concurrency });
const sandboxes = new SandboxSet(sandbox);
await sandboxes.prepare(suite.tasks);

async function measure(body: () => Promise<number>): Promise<Measure> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const passed = await body();
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { wallMs, cpuMs: (used.user + used.system) / 1000, passed };
}

async function direct(perTask = samples): Promise<number> {
  let passed = 0;
  let next = 0;
  const jobs = suite.tasks.flatMap((task) => Array.from({ length: perTask }, () => task));
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const task = jobs[next++]!;
      const score = await scoreCompletion(task, task.reference!, sandbox);
      if (score.outcome === 'passed') passed += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return passed;
}

async function run(model: Model, perTask = samples): Promise<number> {
  const result = await runSuite({ suite, model, sandboxes, samples: perTask, concurrency, temperature: 0, outDir: mkdtempSync(join(folder, 'run-')) });
  return result.summary.samples.passed;
}

/** A local OpenAI-compatible server in its own process, answering every request at once. */
async function startServer(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--no-node-snapshot', join(import.meta.dirname, 'instant-openai-server.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the instant server exited (${code})`)));
  });
  return { url: line.trim(), stop: () => child.kill() };
}

const variants: Array<{ name: string; body: (perTask?: number) => Promise<number> }> = [
  { name: 'direct', body: (perTask) => direct(perTask) },
  { name: 'in-process', body: (perTask) => run(instantModel, perTask) },
];
let server: { url: string; stop: () => void } | undefined;
if (process.env.BENCH_VARIANTS === 'http') {
  server = await startServer();
  const { resolveModel } = await import('../src/models/resolve-model.ts');
  const { parseModelConfig } = await import('../src/models/model-config.ts');
  const config = parseModelConfig({ providers: { bench: { type: 'openai-compatible', baseURL: server.url } } }, 'bench config');
  const httpModel = await resolveModel('bench:instant', { config });
  variants.push({ name: 'http', body: (perTask) => run(httpModel, perTask) });
}

// A child runs the one variant BENCH_VARIANTS names, for one round after a warm-up.
const chosen = process.env.BENCH_VARIANTS!;
const variant = variants.find((candidate) => candidate.name === chosen);
if (!variant) throw new Error(`BENCH_VARIANTS=${chosen}: not a variant (${variants.map((candidate) => candidate.name).join(', ')})`);
let measured: Measure;
try {
  // Warm the path (workers, JIT, connections) on a few samples per task before timing.
  await variant.body(3);
  measured = await measure(() => variant.body());
} finally {
  server?.stop();
  await sandboxes.dispose();
  if (!process.env.BENCH_KEEP) rmSync(folder, { recursive: true, force: true });
}
const report: ChildReport = { name: chosen, ...measured, peakRssMb: process.resourceUsage().maxRSS / 1024 };
process.stdout.write(JSON.stringify(report) + '\n');
if (process.env.BENCH_MEMORY_DEBUG) {
  (globalThis as { gc?: () => void }).gc?.();
  const memory = process.memoryUsage();
  process.stderr.write(`${chosen} end: rss ${(memory.rss / 2 ** 20).toFixed(0)} MB, heap used ${(memory.heapUsed / 2 ** 20).toFixed(0)} of ${(memory.heapTotal / 2 ** 20).toFixed(0)} MB\n`);
}
// The HTTP client keeps idle connections (and their timers) open for a while: do not wait for them.
process.exit(0);
