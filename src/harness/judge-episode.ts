import type { EpisodeRecord } from '../agents/episode.ts';
import type { EpisodeSandboxes } from '../agents/episode-sandboxes.ts';
import { scoreEpisode, type EpisodeScore } from '../agents/scorers/score-episode.ts';
import type { Model } from '../models/model.ts';
import type { Task } from '../schemas/task.ts';

export interface JudgeEpisodeOptions {
  task: Task;
  episode: EpisodeRecord;
  sandboxes: EpisodeSandboxes;
  judge?: Model;
  /** Which sample this is (a scripted judge answers by task and sample). */
  sampleIndex?: number;
  signal?: AbortSignal;
}

export type EpisodeJudgement = EpisodeScore;

/**
 * Judge an episode with its task's scorers, the episode's container still open (final-state
 * scorers), the isolate for custom scorers, the judge model for rubrics.
 */
export async function judgeEpisode(options: JudgeEpisodeOptions): Promise<EpisodeJudgement> {
  const { task } = options;
  const scorers = task.scorers ?? [];
  const needsIsolate = scorers.some((scorer) => scorer.custom !== undefined);
  return scoreEpisode({
    scorers,
    ...(task.scoring ? { policy: task.scoring } : {}),
    episode: options.episode,
    ...(options.sandboxes.session ? { session: options.sandboxes.session } : {}),
    ...(options.judge ? { judge: options.judge } : {}),
    ...(needsIsolate ? { isolate: await options.sandboxes.isolate() } : {}),
    question: task.prompt,
    task,
    sampleIndex: options.sampleIndex ?? 0,
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** Refuse before a run what its scorers need and it lacks: a judge model for rubric scorers. */
export function checkJudgeAvailable(tasks: readonly Task[], judge: Model | undefined): string | undefined {
  if (judge) return undefined;
  const judged = tasks.filter((task) => (task.scorers ?? []).some((scorer) => scorer.judge !== undefined)).map((task) => task.id);
  if (judged.length === 0) return undefined;
  return `task(s) ${judged.slice(0, 10).join(', ')}${judged.length > 10 ? ` and ${judged.length - 10} more` : ''} have judge scorers: give a judge model with --judge-model <spec>`;
}
