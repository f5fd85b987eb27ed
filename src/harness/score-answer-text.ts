import type { EpisodeRecord, ScoreComponent } from '../agents/episode.ts';
import { EpisodeSandboxes } from '../agents/episode-sandboxes.ts';
import type { Model } from '../models/model.ts';
import type { SandboxSet } from '../sandboxes/resolve-sandbox.ts';
import type { TestVerdict } from '../schemas/sample-result.ts';
import type { Task } from '../schemas/task.ts';
import { judgeEpisode } from './judge-episode.ts';

export interface AnswerTextScore {
  outcome: 'passed' | 'failed' | 'sandbox-error' | 'model-error';
  /** One verdict per scorer, in the task's order. */
  verdicts: TestVerdict[];
  scores: ScoreComponent[];
  score: number;
  error?: string;
  executionMs: number;
}

/**
 * Score a given text as the answer of an answer task (`sandbench score` over a samples file of
 * answers): the task's scorers judge it as if the model had answered it in one turn.
 */
export async function scoreAnswerText(task: Task, text: string, sandboxes: SandboxSet, options: { judge?: Model; signal?: AbortSignal } = {}): Promise<AnswerTextScore> {
  const started = performance.now();
  const episode: EpisodeRecord = {
    stopReason: 'answered',
    answer: text,
    turns: [],
    toolCalls: [],
    usage: { inputTokens: 0, outputTokens: 0 },
    durationMs: 0,
  };
  const opened = await EpisodeSandboxes.open(task, sandboxes, options.signal);
  try {
    const judged = await judgeEpisode({ task, episode, sandboxes: opened, ...(options.judge ? { judge: options.judge } : {}), ...(options.signal ? { signal: options.signal } : {}) });
    const verdicts: TestVerdict[] = judged.components.map((component, index) => ({
      testIndex: index,
      name: component.name ?? component.scorer,
      verdict: component.pass ? 'passed' : 'failed',
      reason: component.reason,
    }));
    return {
      outcome: judged.fault ?? (judged.pass ? 'passed' : 'failed'),
      verdicts,
      scores: judged.components,
      score: judged.score,
      ...(judged.fault ? { error: judged.faultMessage ?? `a scorer could not judge (${judged.fault})` } : {}),
      executionMs: performance.now() - started,
    };
  } finally {
    await opened.dispose();
  }
}
