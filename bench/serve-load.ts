/**
 * Load on `sandbench serve` (the CLI, a child process on 127.0.0.1):
 *
 *   1. BENCH_REQUESTS (default 1,000) POST /v1/execute of trivial Python (Docker) at
 *      BENCH_CLIENTS (default 32) requests in flight;
 *   2. the same for trivial JavaScript (isolate);
 *   3. one POST /v1/batch of BENCH_BATCH (default 1,000) HumanEval reference completions (the
 *      164 references, cycled) scored in Docker, against `./sandbench score` of the same lines
 *      (same pool size, `--concurrency` BENCH_CONCURRENCY, default 2).
 *
 * Prints throughput, p50 / p99 latency and lost requests (any answer but 200, or no answer),
 * and the batch / CLI wall ratio, with the machine's load. Targets (issue 15, 2 cores): 0 lost;
 * Python >= 100 req/s with p50 <= 20 ms; JavaScript >= 500 req/s; batch <= 2x the CLI.
 *
 *   ./sandbench --node bench/serve-load.ts
 *
 * BENCH_QUICK=1: 200 requests and a batch of 200.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envNumber, quickMode } from './bench-env.ts';
import { HUMANEVAL_FILE, loadHumanEval } from './humaneval-programs.ts';
import { formatMs, machineLoad, printTable } from './print-table.ts';
import { describeFailure, repoRoot, SANDBENCH, timeCommand } from './time-command.ts';

const quick = quickMode();
const requests = envNumber('BENCH_REQUESTS', quick ? 200 : 1000);
const clients = envNumber('BENCH_CLIENTS', 32);
const batchSize = envNumber('BENCH_BATCH', quick ? 200 : 1000);
const cliConcurrency = envNumber('BENCH_CONCURRENCY', 2);
const poolSize = 2;
const folder = mkdtempSync(join(tmpdir(), 'sandbench-serve-load-'));

/** Start `sandbench serve` on a free port with the HumanEval suite; resolves to its base URL. */
async function startServer(): Promise<{ base: string; stop: () => Promise<number | null> }> {
  const configFile = join(folder, 'serve.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      port: 0,
      suites: [HUMANEVAL_FILE],
      warmLanguages: ['python', 'javascript'],
      sandbox: { dockerPoolSize: poolSize },
      rateLimit: false,
      maxBatchItems: Math.max(1000, batchSize),
    }),
  );
  const child = spawn(SANDBENCH, ['serve', '--config', configFile], { cwd: repoRoot, env: { ...process.env, SANDBENCH_TOKENS: '' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const base = await new Promise<string>((resolve, reject) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /serving on (http:\/\/\S+?) /.exec(stderr);
      if (match) resolve(match[1]!);
    });
    child.on('exit', () => reject(new Error(`serve exited: ${stderr}`)));
  });
  // Ready once the pools have warmed.
  while ((await fetch(`${base}/healthz`)).status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
  return {
    base,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

interface LoadResult {
  wallMs: number;
  latencies: number[];
  lost: number;
  firstLoss?: string;
}

/** `count` POSTs of `body` to `url`, `clients` at a time. */
async function load(url: string, body: unknown, count: number): Promise<LoadResult> {
  const text = JSON.stringify(body);
  const latencies: number[] = [];
  let lost = 0;
  let firstLoss: string | undefined;
  let next = 0;
  const started = performance.now();
  const client = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const sent = performance.now();
      try {
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
        const answer = await response.text();
        if (response.status !== 200 || !answer.includes('"status":"ok"')) {
          lost += 1;
          firstLoss ??= `${response.status} ${answer.slice(0, 200)}`;
        } else latencies.push(performance.now() - sent);
      } catch (error) {
        lost += 1;
        firstLoss ??= String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  return { wallMs: performance.now() - started, latencies: latencies.sort((a, b) => a - b), lost, ...(firstLoss ? { firstLoss } : {}) };
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

function loadRow(name: string, result: LoadResult, targetRate: number, targetP50: number | undefined): string[] {
  const rate = (result.latencies.length / result.wallMs) * 1000;
  const p50 = percentile(result.latencies, 0.5);
  const met = result.lost === 0 && rate >= targetRate && (targetP50 === undefined || p50 <= targetP50);
  return [
    name,
    `${rate.toFixed(0)} req/s`,
    formatMs(p50),
    formatMs(percentile(result.latencies, 0.99)),
    String(result.lost),
    `>= ${targetRate} req/s${targetP50 ? `, p50 <= ${targetP50} ms` : ''}, 0 lost: ${met ? 'met' : 'MISSED'}`,
  ];
}

console.log(`serve-load: ${requests} requests x ${clients} clients per language, a batch of ${batchSize}; ${machineLoad()}`);
const lines = loadHumanEval();
const references = Array.from({ length: batchSize }, (_, index) => lines[index % lines.length]!);
const server = await startServer();
let exitCode: number | null = null;
try {
  const python = await load(`${server.base}/v1/execute`, { language: 'python', code: 'print(1)' }, requests);
  if (python.firstLoss) console.log(`  python: first lost request: ${python.firstLoss}`);
  const javascript = await load(`${server.base}/v1/execute`, { language: 'javascript', code: 'console.log(1)' }, requests);
  if (javascript.firstLoss) console.log(`  javascript: first lost request: ${javascript.firstLoss}`);

  const items = references.map((record) => ({ kind: 'score', suite: 'HumanEval', taskId: record.task_id, completion: record.canonical_solution, assembly: 'exact' }));
  const batchStarted = performance.now();
  const response = await fetch(`${server.base}/v1/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items }) });
  const batch = (await response.json()) as { results?: Array<{ ok: boolean; result?: { counts: { passed: number } } }> };
  const batchMs = performance.now() - batchStarted;
  const batchPassed = batch.results?.filter((result) => result.ok && result.result?.counts.passed === 1).length ?? 0;

  const samplesFile = join(folder, 'samples.jsonl');
  writeFileSync(samplesFile, references.map((record) => JSON.stringify({ task_id: record.task_id, completion: record.canonical_solution })).join('\n') + '\n');
  const cli = await timeCommand([SANDBENCH, 'score', HUMANEVAL_FILE, '--samples', samplesFile, '--sandbox', 'docker', '--json', '--out', join(folder, 'cli'), '--concurrency', String(cliConcurrency)]);
  if (cli.exitCode !== 0 && cli.exitCode !== 3) throw new Error(`sandbench score failed: ${describeFailure(cli)}`);
  const cliPassed = (JSON.parse(cli.stdout) as { samples: { passed: number } }).samples.passed;

  console.log('');
  printTable(['load', 'throughput', 'p50', 'p99', 'lost', 'target'], [
    loadRow('python /v1/execute (docker)', python, 100, 20),
    loadRow('javascript /v1/execute (isolate)', javascript, 500, undefined),
  ]);
  console.log('');
  const ratio = batchMs / cli.wallMs;
  printTable(['scoring', 'wall', 'passed', 'note'], [
    [`/v1/batch of ${batchSize} HumanEval references`, formatMs(batchMs), `${batchPassed}/${batchSize}`, `status ${response.status}`],
    [`./sandbench score, same lines, --concurrency ${cliConcurrency}`, formatMs(cli.wallMs), `${cliPassed}/${batchSize}`, 'whole CLI, start-up included'],
    ['batch / CLI', `${ratio.toFixed(2)}x`, '', `target <= 2x: ${ratio <= 2 ? 'met' : 'MISSED'}`],
  ]);
} finally {
  exitCode = await server.stop();
  console.log(`\nserver stopped with exit code ${exitCode}; ${machineLoad()}`);
  rmSync(folder, { recursive: true, force: true });
}
