import { z } from 'zod';
import { InvalidInputError, SandboxError } from '../../errors/sandbench-error.ts';
import type { GenerateRequest, Model } from '../../models/model.ts';
import { formatZodIssues } from '../../schemas/format-zod-error.ts';
import type { Sandbox, SandboxSession } from '../../sandboxes/sandbox.ts';
import { scoreAnswer } from '../../scoring/answer-scorers.ts';
import type { EpisodeRecord, ScoreComponent } from '../episode.ts';
import { runCustomScorer } from './custom-scorer.ts';
import { scoreCommand, scoreFile } from './final-state-scorers.ts';
import { scoreWithJudge } from './judge-scorer.ts';
import { readSessionTexts } from './read-session-files.ts';
import { scoringPolicySchema, scorerKind, taskScorersSchema, type ScoringPolicy, type TaskScorer } from './scorer-schema.ts';
import { scoreTrajectory } from './trajectory-scorer.ts';

/**
 * Scores an episode with a task's scorers and combines their components into one verdict:
 * - `all` (default): passes when every component that counts passes;
 * - `weighted`: passes when the weighted mean score reaches the policy's threshold.
 * The score is the weighted mean in both modes. A component of weight 0 is reported but
 * counts in neither the score nor the verdict. Any component with a fault (the judge model or
 * the sandbox failed) makes the whole result a fault: the sample is not scored (pass false,
 * score 0, the fault and its message set), and the harness keeps it out of pass rates.
 */

export interface ScoreEpisodeRequest {
  /** The task's scorers (parsed here; an invalid list is an `InvalidInputError`). */
  scorers: readonly z.input<typeof taskScorersSchema>[number][];
  /** How the components combine (default `{ mode: all }`). */
  policy?: z.input<typeof scoringPolicySchema>;
  /** The episode to score; answer scorers read `episode.answer ?? ''`. */
  episode: EpisodeRecord;
  /** The episode's sandbox, still open: file and command scorers, and custom scorers that read files, need it. Answer tasks have none. */
  session?: SandboxSession;
  /** The judge model (`--judge-model`): judge scorers need it. */
  judge?: Model;
  /** A sandbox that runs JavaScript (the isolate): custom scorers need it. */
  isolate?: Sandbox;
  /** The question the answer answers (the task's prompt), shown to the judge. */
  question?: string;
  /** Passed on to the judge's requests: an offline judge (`scripted`) answers by task and sample. */
  task?: GenerateRequest['task'];
  /** The sample being scored, passed on to the judge. */
  sampleIndex?: number;
  /** Cancels scoring: it then throws rather than give a verdict on partial checks. */
  signal?: AbortSignal;
}

/** The verdict on an episode. */
export interface EpisodeScore {
  /** Whether the sample passes (false when there is a fault). */
  pass: boolean;
  /** In [0, 1]: the weighted mean of the counted components' scores (0 when there is a fault). */
  score: number;
  /** One per scorer, in the task's order. */
  components: ScoreComponent[];
  /** Set when a component could not be judged: the sample is not scored. */
  fault?: 'model-error' | 'sandbox-error';
  /** The first faulty component's label and reason. */
  faultMessage?: string;
}

/** A scorer's label in messages: its name, else what it checks. */
function labelOf(scorer: TaskScorer, index: number): string {
  const kind = scorerKind(scorer);
  const what = scorer.name ?? defaultName(scorer);
  return `scorer ${index + 1} (${kind}${what ? ` ${JSON.stringify(what)}` : ''})`;
}

/** The component's name when the task gives none: the file, the command. */
function defaultName(scorer: TaskScorer): string | undefined {
  if (scorer.file) return scorer.file.path;
  if (scorer.command) return scorer.command.run.length > 80 ? `${scorer.command.run.slice(0, 80)}…` : scorer.command.run;
  return undefined;
}

/** What each scorer needs that the request must provide; a clear usage error when it is missing. */
function checkNeeds(scorers: readonly TaskScorer[], request: ScoreEpisodeRequest): void {
  const problems: string[] = [];
  scorers.forEach((scorer, index) => {
    const label = labelOf(scorer, index);
    const needsFiles = scorer.file !== undefined || (scorer.custom !== undefined && scorer.custom.files.length > 0);
    if ((needsFiles || scorer.command) && request.session === undefined) {
      problems.push(`${label} looks at the episode's sandbox, and there is none (an answer task has no sandbox: use answer, trajectory, judge or custom scorers)`);
    } else if (needsFiles && request.session?.readFiles === undefined) {
      problems.push(`${label} reads files, which the ${request.session!.backend} session cannot do`);
    } else if (scorer.command && request.session?.runCommand === undefined) {
      problems.push(`${label} runs a command, which the ${request.session!.backend} session cannot do`);
    }
    if (scorer.judge && request.judge === undefined) problems.push(`${label} needs a judge model (--judge-model <spec>)`);
    if (scorer.custom && request.isolate === undefined) problems.push(`${label} needs the isolate sandbox to run its JavaScript`);
  });
  if (problems.length > 0) throw new InvalidInputError(problems.join('; '), { details: { problems } });
}

/**
 * Run every scorer of the task on the episode and combine them. Throws `InvalidInputError` for
 * an invalid scorer list or policy, or a scorer whose needs (session, judge, isolate) the
 * request does not meet, before running any; throws when `signal` aborts.
 */
export async function scoreEpisode(request: ScoreEpisodeRequest): Promise<EpisodeScore> {
  const scorersParsed = taskScorersSchema.safeParse(request.scorers);
  if (!scorersParsed.success) throw new InvalidInputError(`invalid scorers: ${formatZodIssues(scorersParsed.error.issues, 'scorers')}`, { details: { issues: scorersParsed.error.issues } });
  const policyParsed = scoringPolicySchema.safeParse(request.policy ?? { mode: 'all' });
  if (!policyParsed.success) throw new InvalidInputError(`invalid scoring policy: ${formatZodIssues(policyParsed.error.issues, 'scoring')}`, { details: { issues: policyParsed.error.issues } });
  const scorers = scorersParsed.data;
  checkNeeds(scorers, request);

  const components: ScoreComponent[] = [];
  for (const scorer of scorers) {
    request.signal?.throwIfAborted();
    components.push(await runScorer(scorer, request));
  }
  request.signal?.throwIfAborted();
  return combine(components, policyParsed.data, scorers);
}

/** One scorer's component. */
async function runScorer(scorer: TaskScorer, request: ScoreEpisodeRequest): Promise<ScoreComponent> {
  const name = scorer.name ?? defaultName(scorer);
  const base = { weight: scorer.weight ?? 1, ...(name === undefined ? {} : { name }) };
  const { episode, signal } = request;
  if (scorer.answer) {
    const result = scoreAnswer(episode.answer ?? '', scorer.answer);
    return { ...base, scorer: result.scorer, pass: result.pass, score: result.score, reason: result.reason };
  }
  if (scorer.trajectory) {
    const result = scoreTrajectory(scorer.trajectory, episode.toolCalls);
    return { ...base, scorer: result.scorer, pass: result.pass, score: result.score, reason: result.reason, detail: { ...result.detail } };
  }
  if (scorer.file || scorer.command) {
    const session = request.session!;
    const result = scorer.file ? await scoreFile(scorer.file, session, signal) : await scoreCommand(scorer.command!, session, signal);
    return { ...base, scorer: result.scorer, pass: result.pass, score: result.score, reason: result.reason, ...(result.fault ? { fault: result.fault } : {}), ...(result.detail ? { detail: result.detail } : {}) };
  }
  if (scorer.judge) {
    const result = await scoreWithJudge({
      check: scorer.judge,
      answer: episode.answer ?? '',
      model: request.judge!,
      ...(request.question === undefined ? {} : { question: request.question }),
      ...(request.task === undefined ? {} : { task: request.task }),
      ...(request.sampleIndex === undefined ? {} : { sampleIndex: request.sampleIndex }),
      ...(signal ? { signal } : {}),
    });
    return { ...base, scorer: result.scorer, pass: result.pass, score: result.score, reason: result.reason, ...(result.fault ? { fault: result.fault } : {}), detail: { ...result.detail } };
  }
  const custom = scorer.custom!;
  const files: Record<string, string | null> = {};
  if (custom.files.length > 0) {
    try {
      for (const entry of await readSessionTexts(request.session!, custom.files)) files[entry.path] = 'text' in entry ? entry.text : null;
    } catch (error) {
      if (signal?.aborted || !SandboxError.isInstance(error)) throw error;
      return { ...base, scorer: 'custom', pass: false, score: 0, reason: `the sandbox failed reading the custom scorer's files: ${error.message}`, fault: 'sandbox-error' };
    }
  }
  const result = await runCustomScorer({ check: custom, episode, files, isolate: request.isolate!, ...(signal ? { signal } : {}) });
  return { ...base, scorer: result.scorer, pass: result.pass, score: result.score, reason: result.reason, ...(result.fault ? { fault: result.fault } : {}), ...(result.detail ? { detail: { ...result.detail } } : {}) };
}

/** One verdict from the components (see the module's comment). */
export function combine(components: readonly ScoreComponent[], policy: ScoringPolicy, scorers?: readonly TaskScorer[]): EpisodeScore {
  const faulty = components.findIndex((component) => component.fault !== undefined);
  if (faulty >= 0) {
    const component = components[faulty]!;
    const label = scorers?.[faulty] ? labelOf(scorers[faulty], faulty) : `scorer ${faulty + 1} (${component.scorer})`;
    return { pass: false, score: 0, components: [...components], fault: component.fault!, faultMessage: `${label}: ${component.reason}` };
  }
  // Weights above 0 are guaranteed by the schema; a hand-made list of zero weights counts every component alike.
  const weighted = components.filter((component) => component.weight > 0);
  const counted = weighted.length > 0 ? weighted : components;
  const weightOf = (component: ScoreComponent): number => (weighted.length > 0 ? component.weight : 1);
  const totalWeight = counted.reduce((sum, component) => sum + weightOf(component), 0);
  const score = totalWeight > 0 ? counted.reduce((sum, component) => sum + weightOf(component) * component.score, 0) / totalWeight : 0;
  const pass = policy.mode === 'all' ? counted.length > 0 && counted.every((component) => component.pass) : score >= policy.threshold - 1e-12;
  return { pass, score, components: [...components] };
}
