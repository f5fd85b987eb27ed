import { createHash } from 'node:crypto';
import { InvalidInputError } from '../errors/sandbench-error.ts';
import { RunJournal } from '../harness/run-journal.ts';
import type { SampleResult } from '../schemas/sample-result.ts';
import type { Task } from '../schemas/task.ts';
import { answerCoverage } from './answer-coverage.ts';
import type { GenerateRequest, GenerateResponse, Model, ModelCoverage } from './model.ts';

/** The recorded answers of one sample: one per turn. */
type RecordedTurns = string[];

/** The model's answers a sample recorded, turn by turn; none when the model never answered. */
function recordedTurns(sample: SampleResult): RecordedTurns | undefined {
  if (sample.outcome === 'model-error') return undefined;
  if (sample.turns && sample.turns.length > 0) return sample.turns.map((turn) => turn.response);
  return [sample.response];
}

/**
 * `replay:<run folder>`: answers with the responses an earlier run recorded, sample by sample and
 * turn by turn, so the run can be scored again exactly (after a sandbox or scorer change). A
 * sample the earlier run has no answer for (a model error, or never run) counts as missing, which
 * a run refuses unless asked to score missing answers as empty.
 */
export class ReplayModel implements Model {
  readonly id: string;
  readonly offline = true;
  /** SHA-256 of the recorded answers. */
  readonly fingerprint: string;
  /** The model the recorded run asked. */
  readonly recordedModel: string;
  /** The recorded run's prompt style: its answers are read the same way again. */
  readonly promptStyle: 'chat' | 'continuation';
  readonly #answers: Map<string, Map<number, RecordedTurns>>;

  private constructor(
    folder: string,
    recorded: { model: string; promptStyle: 'chat' | 'continuation' },
    answers: Map<string, Map<number, RecordedTurns>>,
    fingerprint: string,
  ) {
    this.id = `replay:${folder}`;
    this.recordedModel = recorded.model;
    this.promptStyle = recorded.promptStyle;
    this.#answers = answers;
    this.fingerprint = fingerprint;
  }

  /** Read a run folder's journal; errors name the folder. */
  static async load(folder: string): Promise<ReplayModel> {
    const journal = new RunJournal(folder);
    const manifest = await journal.readManifest();
    if (!manifest) {
      throw new InvalidInputError(`replay model: ${folder} holds no run (no run.json): give the folder of an earlier run`, { details: { folder } });
    }
    const { samples } = await journal.readSamples();
    const answers = new Map<string, Map<number, RecordedTurns>>();
    const hash = createHash('sha256');
    for (const sample of samples) {
      const turns = recordedTurns(sample);
      if (turns === undefined) continue;
      let forTask = answers.get(sample.taskId);
      if (!forTask) answers.set(sample.taskId, (forTask = new Map()));
      forTask.set(sample.sampleIndex, turns);
    }
    // The fingerprint is over the answers in a fixed order, whatever order the journal kept.
    for (const taskId of [...answers.keys()].sort()) {
      for (const [index, turns] of [...answers.get(taskId)!.entries()].sort((a, b) => a[0] - b[0])) hash.update(JSON.stringify([taskId, index, turns]));
    }
    if (answers.size === 0) throw new InvalidInputError(`replay model: ${folder} holds no recorded answers`, { details: { folder } });
    // The style the recorded run read its answers with: as recorded, else its model's own.
    const recordedStyle = manifest.promptStyle ?? manifest.parameters?.promptStyle;
    // Runs made before the style was recorded: references and samples files continued the prompt.
    const offlineModel = /^(reference|empty)$|^scripted:/.test(manifest.model);
    const promptStyle = recordedStyle === 'chat' || recordedStyle === 'continuation' ? recordedStyle : offlineModel ? 'continuation' : 'chat';
    return new ReplayModel(folder, { model: manifest.model, promptStyle }, answers, hash.digest('hex'));
  }

  describe(): Record<string, unknown> {
    return { provider: 'replay', recordedModel: this.recordedModel };
  }

  coverage(tasks: readonly Task[], samples: number, allTaskIds: readonly string[]): ModelCoverage {
    return answerCoverage(this.#answers, tasks, samples, allTaskIds);
  }

  async generate(request: GenerateRequest): Promise<GenerateResponse> {
    request.signal?.throwIfAborted();
    const turns = request.task ? this.#answers.get(request.task.id)?.get(request.sampleIndex ?? 0) : undefined;
    // A repair turn the recorded run never reached (it passed earlier) repeats the last answer.
    const text = turns === undefined ? undefined : turns[Math.min(request.turn ?? 0, turns.length - 1)];
    return {
      text: text ?? '',
      toolCalls: [],
      usage: { inputTokens: 0, outputTokens: 0 },
      finishReason: text === undefined ? 'no-recording' : 'stop',
    };
  }
}
