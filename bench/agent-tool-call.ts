// A tool call as an agent episode makes it (issue 14's target: at most 15 ms p50 for a trivial
// bash call in a warm episode container on 2 cores): one episode whose scripted model makes N
// `bash {command: "true"}` calls, one per turn, through the whole loop (arguments parsed and
// checked against the schema, the approval policy, the session's runCommand, the output capped
// and recorded), against the baseline in the same script: N runCommand calls straight on a warm
// session. Prints p50 / p95 per call of each (the episode's own per-call durations) and their
// ratio. Run: ./sandbench --node bench/agent-tool-call.ts   (BENCH_CALLS=300, BENCH_QUICK=1: 30)
import pLimit from 'p-limit';
import { runEpisodeSample } from '../src/harness/run-episode-sample.ts';
import { silentLogger } from '../src/logging/silent-logger.ts';
import { ScriptedModel } from '../src/models/scripted-model.ts';
import { SandboxSet } from '../src/sandboxes/resolve-sandbox.ts';
import { taskSchema } from '../src/schemas/task.ts';
import { envNumber, quickMode } from './bench-env.ts';
import { formatRatio, machineLoad } from './print-table.ts';

const CALLS = envNumber('BENCH_CALLS', quickMode() ? 30 : 300);

function quantile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] ?? Number.NaN;
}

const sandboxes = new SandboxSet('docker', { dockerPoolSize: 1 });
try {
  const docker = await sandboxes.named('docker');
  await docker.warmUp?.(['python']);

  // Baseline: runCommand straight on a warm session.
  const session = await docker.openSession!({ language: 'python' });
  const direct: number[] = [];
  try {
    for (let index = 0; index < 10; index += 1) await session.runCommand!({ argv: ['bash', '-c', 'true'] });
    for (let index = 0; index < CALLS; index += 1) {
      const started = performance.now();
      const result = await session.runCommand!({ argv: ['bash', '-c', 'true'] });
      direct.push(performance.now() - started);
      if (result.status !== 'ok') throw new Error(`direct call ${index}: ${result.status}`);
    }
  } finally {
    await session.dispose();
  }

  // The episode: the same calls through the agent loop.
  const task = taskSchema.parse({
    id: 'bench',
    kind: 'agent',
    language: 'python',
    prompt: 'Run true, many times.',
    tools: ['bash', 'submit'],
    budget: { maxTurns: CALLS + 20, maxToolCalls: CALLS + 20, timeoutMs: 3_600_000 },
    approval: { rules: [{ action: 'deny', tool: 'bash', arguments: { command: 'curl|wget' } }] },
    scorers: [{ answer: { equals: 'done' } }],
  });
  const turns = [
    ...Array.from({ length: CALLS + 10 }, () => ({ tool_calls: [{ name: 'bash', arguments: { command: 'true' } }] })),
    { tool_calls: [{ name: 'submit', arguments: { answer: 'done' } }] },
  ];
  const model = ScriptedModel.parse(JSON.stringify({ task_id: 'bench', turns }), 'bench.jsonl');
  const sample = await runEpisodeSample(task, 0, { model, sandboxes, request: {}, modelLane: pLimit(1), episodeLane: pLimit(1), logger: silentLogger });
  if (sample.outcome !== 'passed') throw new Error(`the episode ended ${sample.outcome}: ${sample.error ?? ''}`);
  // The first ten calls warm the path, as in the baseline.
  const looped = sample.episode!.toolCalls.filter((call) => call.name === 'bash').slice(10).map((call) => call.durationMs);

  console.log(`agent tool call: ${CALLS} trivial bash calls, ${machineLoad()}`);
  console.log(`  through the episode loop   p50 ${quantile(looped, 0.5).toFixed(2)} ms   p95 ${quantile(looped, 0.95).toFixed(2)} ms`);
  console.log(`  runCommand on the session  p50 ${quantile(direct, 0.5).toFixed(2)} ms   p95 ${quantile(direct, 0.95).toFixed(2)} ms`);
  console.log(`  loop / direct (p50)        ${formatRatio(quantile(looped, 0.5) / quantile(direct, 0.5))}`);
  console.log(`  target: ≤ 15 ms p50 through the loop: ${quantile(looped, 0.5) <= 15 ? 'met' : 'missed'}`);
} finally {
  await sandboxes.dispose();
}
