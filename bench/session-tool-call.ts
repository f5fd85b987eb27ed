// Overhead of a tool call in a warm agent-episode session (issue 14's target: at most 15 ms p50
// for a trivial bash call on 2 cores), against the one-shot baseline on the same warm pool:
//   (a) one Docker session: N `bash -c true` runCommand calls, one after another
//   (b) one-shot: N `sandbox.run` of a trivial bash program on the warm pool (poolSize 1)
//   (c) one isolate session: N `evaluate` of `1+1`
// Also the time to open and to dispose each session. Prints p50 / p95 per call and the ratio of
// (a) to (b). Run: ./sandbench --node bench/session-tool-call.ts   (BENCH_CALLS=300, BENCH_QUICK=1: 30)
import { DockerSandbox } from '../src/sandboxes/docker-sandbox.ts';
import { IsolateSandbox } from '../src/sandboxes/isolate-sandbox.ts';
import { envNumber, quickMode } from './bench-env.ts';
import { formatRatio, machineLoad } from './print-table.ts';

const CALLS = envNumber('BENCH_CALLS', quickMode() ? 30 : 300);
const WARM_UP_CALLS = 10;

/** The `fraction` quantile of `values` (nearest rank). */
function quantile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] ?? Number.NaN;
}

/** Times `call` CALLS times (after a few untimed calls); fails loudly when a call goes wrong. */
async function timeCalls(what: string, call: () => Promise<{ status: string; stdout: string }>): Promise<number[]> {
  for (let index = 0; index < WARM_UP_CALLS; index++) await call();
  const times: number[] = [];
  for (let index = 0; index < CALLS; index++) {
    const started = performance.now();
    const result = await call();
    times.push(performance.now() - started);
    if (result.status !== 'ok') throw new Error(`${what}: call ${index} ended ${result.status}`);
  }
  return times;
}

function line(label: string, times: readonly number[]): string {
  return `${label.padEnd(44)} p50 ${quantile(times, 0.5).toFixed(2).padStart(7)} ms   p95 ${quantile(times, 0.95).toFixed(2).padStart(7)} ms`;
}

const docker = new DockerSandbox({ poolSize: 1 });
const isolate = new IsolateSandbox({ workers: 1 });
try {
  await docker.warmUp(['bash']);

  let started = performance.now();
  const session = await docker.openSession({ language: 'bash' });
  const dockerOpenMs = performance.now() - started;
  const sessionTimes = await timeCalls('docker session', () => session.runCommand!({ argv: ['bash', '-c', 'true'] }));
  started = performance.now();
  await session.dispose();
  const dockerDisposeMs = performance.now() - started;

  const oneShotTimes = await timeCalls('one-shot run', () => docker.run({ language: 'bash', source: 'true\n' }));

  started = performance.now();
  const jsSession = await isolate.openSession({ language: 'javascript' });
  const isolateOpenMs = performance.now() - started;
  const evaluateTimes = await timeCalls('isolate session', () => jsSession.evaluate!({ code: '1+1' }));
  started = performance.now();
  await jsSession.dispose();
  const isolateDisposeMs = performance.now() - started;

  console.log(`session tool calls: ${CALLS} calls each (after ${WARM_UP_CALLS} untimed); ${machineLoad()}`);
  console.log(line('(a) docker session runCommand bash -c true', sessionTimes));
  console.log(line('(b) one-shot sandbox.run bash "true" (pool)', oneShotTimes));
  console.log(line('(c) isolate session evaluate 1+1', evaluateTimes));
  console.log(`(a) / (b) p50: ${formatRatio(quantile(sessionTimes, 0.5) / quantile(oneShotTimes, 0.5))}   target (a) p50 <= 15 ms: ${quantile(sessionTimes, 0.5) <= 15 ? 'met' : 'NOT met'}`);
  console.log(`docker session:  open ${dockerOpenMs.toFixed(0)} ms, dispose ${dockerDisposeMs.toFixed(0)} ms`);
  console.log(`isolate session: open ${isolateOpenMs.toFixed(0)} ms, dispose ${isolateDisposeMs.toFixed(0)} ms`);
} finally {
  await Promise.all([docker.dispose(), isolate.dispose()]);
}
