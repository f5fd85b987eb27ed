import type { LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import type { ApprovalPolicy } from '../agents/agent-task-schema.ts';
import type { EpisodeRecord, ScoreComponent } from '../agents/episode.ts';
import { EpisodeSandboxes } from '../agents/episode-sandboxes.ts';
import { runEpisode } from '../agents/run-episode.ts';
import { errorMessage, SandbenchError } from '../errors/sandbench-error.ts';
import type { GenerateRequest, Model, ModelMessage, ModelStatus } from '../models/model.ts';
import type { ResponseCache } from '../models/response-cache.ts';
import type { SandboxSet } from '../sandboxes/resolve-sandbox.ts';
import type { SampleResult, TestVerdict, Transcript } from '../schemas/sample-result.ts';
import type { Task } from '../schemas/task.ts';
import { ask, capRaw } from './ask-model.ts';
import { judgeEpisode } from './judge-episode.ts';

/** What an episode sample needs from its run. */
export interface EpisodeSampleOptions {
  model: Model;
  sandboxes: SandboxSet;
  cache?: ResponseCache;
  /** Sampling parameters sent with every model request of the episode. */
  request: Pick<GenerateRequest, 'temperature' | 'topP' | 'maxTokens' | 'stopSequences' | 'seed'>;
  /** The run's system prompt, which wins over the task's. */
  system?: string;
  /** The run config's approval policy (checked before the task's). */
  approval?: ApprovalPolicy;
  /** The model that judges rubric scorers. */
  judge?: Model;
  modelLane: LimitFunction;
  /** Bounds the episodes (and so the containers) running at once. */
  episodeLane: LimitFunction;
  onModelStatus?: (status: ModelStatus, sample: { taskId: string; sampleIndex: number }) => void;
  signal?: AbortSignal;
  logger: Logger;
}

/** The scorers' judgements as one verdict each, so reports read agent samples like code samples. */
function verdictsOf(components: readonly ScoreComponent[]): TestVerdict[] {
  return components.map((component, index) => ({
    testIndex: index,
    name: component.name ?? component.scorer,
    verdict: component.pass ? 'passed' : 'failed',
    reason: component.reason,
  }));
}

/** The conversation's first messages: the system prompt (the run's, else the task's) and the prompt. */
function openingMessages(task: Task, system: string | undefined): ModelMessage[] {
  const prompt = system ?? task.system;
  return [...(prompt === undefined ? [] : [{ role: 'system' as const, content: prompt }]), { role: 'user', content: task.prompt }];
}

/**
 * One sample of an agent or answer task: open the episode's sandboxes, run the episode, score
 * its outcome with the task's scorers (the container still open for final-state scorers), and
 * close everything whatever happened. A model fault is `model-error`, an engine fault
 * `sandbox-error`: data, never a lost run.
 */
export async function runEpisodeSample(task: Task, sampleIndex: number, options: EpisodeSampleOptions): Promise<SampleResult> {
  const { logger } = options;
  const started = performance.now();
  let modelMs = 0;
  let cachedAll = true;
  let retries = 0;
  let lastRaw: unknown;
  let finishReason: string | undefined;
  let episode: EpisodeRecord | undefined;
  let messages: ModelMessage[] = openingMessages(task, options.system);
  const base = {
    taskId: task.id,
    sampleIndex,
    model: options.model.id,
    sandbox: options.sandboxes.backendFor(task),
  };
  const finish = (fields: Partial<SampleResult> & Pick<SampleResult, 'outcome'>): SampleResult => {
    const transcript: Transcript = {
      messages,
      ...(finishReason === undefined ? {} : { finishReason }),
      ...(retries > 0 ? { retries } : {}),
      ...(cachedAll && !options.model.offline && options.cache ? { cached: true } : {}),
      ...capRaw(lastRaw),
    };
    const executionMs = Math.max(0, performance.now() - started - modelMs);
    return {
      ...base,
      response: episode?.turns.at(-1)?.text ?? '',
      completion: episode?.answer ?? '',
      verdicts: [],
      ...(episode ? { usage: episode.usage } : {}),
      modelLatencyMs: modelMs,
      executionMs,
      finishedAt: new Date().toISOString(),
      transcript,
      ...(episode ? { episode } : {}),
      ...fields,
    };
  };

  return options.episodeLane(async () => {
    let sandboxes: EpisodeSandboxes | undefined;
    try {
      sandboxes = await EpisodeSandboxes.open(task, options.sandboxes, options.signal);
      const run = await runEpisode({
        task,
        sandboxes,
        messages,
        ...(options.approval ? { approval: options.approval } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        logger,
        ask: async (partial) => {
          const request: GenerateRequest = {
            ...options.request,
            ...partial,
            task,
            sampleIndex,
            ...(options.onModelStatus ? { onStatus: (status: ModelStatus) => options.onModelStatus!(status, { taskId: task.id, sampleIndex }) } : {}),
          };
          const asked = performance.now();
          try {
            const answer = await options.modelLane(() => ask(options, request, sampleIndex, partial.turn ?? 0));
            cachedAll &&= answer.cached;
            retries += answer.response.retries ?? 0;
            lastRaw = answer.response.raw;
            finishReason = answer.response.finishReason;
            return answer.response;
          } finally {
            modelMs += performance.now() - asked;
          }
        },
      });
      episode = run.episode;
      messages = run.messages;
      if (episode.stopReason === 'model-error') return finish({ outcome: 'model-error', error: episode.message ?? 'model error' });
      const judged = await judgeEpisode({ task, episode, sandboxes, sampleIndex, ...(options.judge ? { judge: options.judge } : {}), ...(options.signal ? { signal: options.signal } : {}) });
      const fields = { verdicts: verdictsOf(judged.components), scores: judged.components, score: judged.score };
      if (judged.fault) return finish({ ...fields, outcome: judged.fault, error: judged.faultMessage ?? `a scorer could not judge (${judged.fault})` });
      return finish({ ...fields, outcome: judged.pass ? 'passed' : 'failed' });
    } catch (error) {
      // An interrupted run leaves this sample out of its journal (the worker drops it): say so anyway.
      if (options.signal?.aborted) return finish({ outcome: 'sandbox-error', error: 'the run was interrupted' });
      const known = SandbenchError.isInstance(error);
      logger.error({ task: task.id, sampleIndex, err: error }, known ? 'engine fault in an episode' : 'internal error in an episode');
      return finish({ outcome: 'sandbox-error', error: known ? errorMessage(error) : `internal error in an episode (please report): ${errorMessage(error)}` });
    } finally {
      await sandboxes?.dispose();
    }
  });
}
