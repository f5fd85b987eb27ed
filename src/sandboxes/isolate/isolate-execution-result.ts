import type { ExecutionResult } from '../../schemas/execution-result.ts';
import { cancelledResult, capMessage, lostResult, type ExecutionFacts } from '../execution-results.ts';
import type { PoolOutcome } from './isolate-pool.ts';

/**
 * The `ExecutionResult` of one isolate run, from what the pool reported (the worker's answer,
 * the worker's death, or the caller's cancel) and what was known of the run beforehand: one
 * builder for one-shot runs and session evaluations alike. `fallbackDurationMs` is the host's
 * own measure, for a worker that died before saying how long the run took.
 */
export function isolateExecutionResult(outcome: PoolOutcome, facts: ExecutionFacts, fallbackDurationMs: number): ExecutionResult {
  const backend = 'isolate';
  if (outcome.type === 'cancelled') return cancelledResult(backend, { ...facts, durationMs: outcome.durationMs });
  if (outcome.type === 'crash') {
    return lostResult(backend, outcome.status, outcome.message, { ...facts, durationMs: outcome.durationMs || fallbackDurationMs });
  }
  return {
    status: outcome.status,
    exitCode: outcome.exitCode,
    signal: null,
    stdout: outcome.stdout,
    stderr: outcome.stderr,
    stdoutTruncated: outcome.stdoutTruncated,
    stderrTruncated: outcome.stderrTruncated,
    durationMs: outcome.durationMs,
    cpuTimeMs: outcome.cpuTimeMs,
    memoryBytes: outcome.memoryBytes,
    // An exception's text is the guest's to choose: cap it like the output.
    ...(outcome.message !== undefined ? { message: capMessage(outcome.message) } : {}),
    // The worker says for every run with test code whether it ran to its end.
    ...(outcome.testCompleted !== undefined ? { testCompleted: outcome.testCompleted } : facts.hasTestCode ? { testCompleted: false } : {}),
    ...(facts.compile ? { compile: { ...facts.compile } } : {}),
    ...(facts.files ? { files: facts.files } : {}),
    backend,
  };
}
