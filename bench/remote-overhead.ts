/**
 * What the remote path costs per execution: the same trivial programs run
 *
 *   1. locally, through the backend in this process (the baseline), and
 *   2. through `--sandbox remote`: HTTP to a sandbench service on 127.0.0.1 (in this process,
 *      so both paths share the machine alike) that runs them in the same kind of backend,
 *
 * one at a time (latency) and BENCH_CLIENTS at a time (throughput), for JavaScript in the
 * isolate and Python in Docker. Prints p50 per execution and the remote path's overhead (remote
 * p50 − local p50) and throughput ratio. Target (issue 17): overhead ≤ 2 ms per execution.
 *
 *   ./sandbench --node bench/remote-overhead.ts
 *
 * BENCH_QUICK=1: 100 executions per measurement. BENCH_DOCKER=0 skips Python.
 */
import { envNumber, quickMode } from './bench-env.ts';
import { formatMs, machineLoad, median, printTable } from './print-table.ts';
import { SandboxSet } from '../src/sandboxes/resolve-sandbox.ts';
import { createServer } from '../src/server/create-server.ts';
import type { Sandbox, SandboxRunRequest } from '../src/sandboxes/sandbox.ts';
import type { SandboxName } from '../src/schemas/task.ts';

const count = envNumber('BENCH_EXECUTIONS', quickMode() ? 100 : 400);
const clients = envNumber('BENCH_CLIENTS', 8);
const withDocker = process.env.BENCH_DOCKER !== '0';

const programs: Array<{ label: string; backend: SandboxName; request: SandboxRunRequest }> = [
  { label: 'JavaScript (isolate)', backend: 'isolate', request: { language: 'javascript', source: 'console.log(6 * 7)' } },
  ...(withDocker ? [{ label: 'Python (Docker)', backend: 'docker' as const, request: { language: 'python' as const, source: 'print(6 * 7)' } }] : []),
];

/** Latencies of `count` runs with `parallel` in flight, and the wall time. */
async function measure(sandbox: Sandbox, request: SandboxRunRequest, parallel: number): Promise<{ latencies: number[]; wallMs: number }> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      next += 1;
      const begun = performance.now();
      const result = await sandbox.run(request);
      if (result.status !== 'ok' || result.stdout !== '42\n') throw new Error(`unexpected result: ${JSON.stringify(result)}`);
      latencies.push(performance.now() - begun);
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return { latencies, wallMs: performance.now() - started };
}

const server = await createServer({ config: { port: 0, warmLanguages: programs.map((program) => program.request.language), queue: { concurrency: clients, capacity: 1024 } } as never });
const base = await server.listen();
await server.warmed;
const local = new SandboxSet();
const remoteSet = new SandboxSet('remote', { remote: { urls: [base] } });
const remote = await remoteSet.named('remote');
await remote.warmUp?.(['javascript']);
const rows: string[][] = [];
try {
  for (const program of programs) {
    const here = await local.named(program.backend);
    // Warm both paths before measuring.
    await measure(here, program.request, 2);
    await measure(remote, program.request, 2);
    for (const parallel of [1, clients]) {
      const baseline = await measure(here, program.request, parallel);
      const over = await measure(remote, program.request, parallel);
      const localP50 = median(baseline.latencies);
      const remoteP50 = median(over.latencies);
      rows.push([
        program.label,
        String(parallel),
        formatMs(localP50),
        formatMs(remoteP50),
        `${(remoteP50 - localP50).toFixed(2)} ms`,
        `${(count / (baseline.wallMs / 1000)).toFixed(0)}/s`,
        `${(count / (over.wallMs / 1000)).toFixed(0)}/s`,
        `${(baseline.wallMs / over.wallMs).toFixed(2)}×`,
      ]);
    }
  }
} finally {
  await remoteSet.dispose();
  await local.dispose();
  await server.close();
}
console.log(`remote path overhead, ${count} executions per row, ${machineLoad()}`);
printTable(['program', 'in flight', 'local p50', 'remote p50', 'overhead p50', 'local rate', 'remote rate', 'remote/local rate'], rows);
console.log('target (issue 17): overhead ≤ 2 ms per execution');
