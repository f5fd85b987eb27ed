import type { EpisodeRecord, ScoreComponent } from '../agents/episode.ts';
import type { EpisodeSandboxes } from '../agents/episode-sandboxes.ts';
import { SandbenchError } from '../errors/sandbench-error.ts';
import type { Model } from '../models/model.ts';
import type { Task } from '../schemas/task.ts';
import { answerScorerSchema, scoreAnswer } from '../scoring/answer-scorers.ts';

export interface JudgeEpisodeOptions {
  task: Task;
  episode: EpisodeRecord;
  sandboxes: EpisodeSandboxes;
  judge?: Model;
  signal?: AbortSignal;
}

export interface EpisodeJudgement {
  pass: boolean;
  score: number;
  components: ScoreComponent[];
  fault?: 'model-error' | 'sandbox-error';
  faultMessage?: string;
}

/** Judge an episode with its task's scorers: every one must pass; the score is their mean. */
export async function judgeEpisode(options: JudgeEpisodeOptions): Promise<EpisodeJudgement> {
  const components: ScoreComponent[] = [];
  for (const [index, entry] of (options.task.scorers ?? []).entries()) {
    if (!('answer' in entry)) {
      throw new SandbenchError('unsupported', `task '${options.task.id}' scorer ${index}: only answer scorers are available yet`);
    }
    const scorer = answerScorerSchema.parse(entry.answer);
    const judged = scoreAnswer(options.episode.answer ?? '', scorer);
    components.push({ ...judged, weight: 1 });
  }
  const score = components.length === 0 ? 0 : components.reduce((sum, component) => sum + component.score, 0) / components.length;
  return { pass: components.every((component) => component.pass), score, components };
}
