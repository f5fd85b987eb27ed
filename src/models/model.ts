import type { Usage } from '../schemas/sample-result.ts';
import type { Task } from '../schemas/task.ts';

/** A chat message sent to a model. */
export interface ModelMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  /** The text (a tool message: the tool's result as the model will read it). */
  content: string;
  /** An assistant message: the tool calls it asked for, in order (agent episodes). */
  toolCalls?: ModelToolCall[];
  /** A tool message: the id of the call it answers (every provider matches results to calls by it). */
  toolCallId?: string;
  /** A tool message: the name of the tool that answered. */
  toolName?: string;
}

/** A tool the model may call (agent runs). */
export interface ModelTool {
  name: string;
  description: string;
  /** JSON Schema of the tool's input. */
  inputSchema: Record<string, unknown>;
}

/** A tool call the model asked for. */
export interface ModelToolCall {
  id: string;
  name: string;
  /** Raw JSON text of the arguments, validated by the tool with zod before use. */
  arguments: string;
}

/** What a provider model is doing while a request waits (shown by the progress reporter). */
export type ModelStatus =
  /** A request failed with a retryable fault; the next attempt starts after `delayMs`. */
  | { kind: 'retrying'; attempt: number; delayMs: number; reason: string }
  /** The model's own request or token rate limit holds the request back for `delayMs`. */
  | { kind: 'rate-limited'; delayMs: number };

export interface GenerateRequest {
  /** The conversation; a leading `system` message is the system prompt. */
  messages: ModelMessage[];
  tools?: ModelTool[];
  temperature?: number;
  /** Nucleus sampling (top_p). */
  topP?: number;
  /** Most tokens the answer may have. */
  maxTokens?: number;
  /** Text at which the provider stops generating. */
  stopSequences?: string[];
  seed?: number;
  signal?: AbortSignal;
  /** Called when the request is retried or held back by a rate limit. */
  onStatus?: (status: ModelStatus) => void;
  /**
   * The task being answered. Offline models (`reference`, `empty`, `scripted`) answer from it;
   * provider models ignore it.
   */
  task?: Task;
  /** Which sample of the task this is (0-based). */
  sampleIndex?: number;
  /** Which turn of the sample this is: 0 for the first answer, 1 for the first repair (`--feedback-turns`), … */
  turn?: number;
}

export interface GenerateResponse {
  /** The model's text. */
  text: string;
  toolCalls: ModelToolCall[];
  usage: Usage;
  /** Why generation stopped: `stop`, `length`, `tool-calls`, `error`, … */
  finishReason: string;
  /** Provider's raw response, for the journal (capped by the caller). */
  raw?: unknown;
  /** Failed attempts before this answer (provider models). */
  retries?: number;
  /** Model id the provider says answered, when it says (may differ from the requested one). */
  responseModelId?: string;
}

/** Which samples an offline model holds no answer for (see `Model.coverage`). */
export interface ModelCoverage {
  /** Tasks with fewer answers than the samples asked for, with how many answers there are. */
  missing: Array<{ taskId: string; answers: number }>;
  /** Task ids the model's data names that the suite does not hold at all. */
  unknownTaskIds: string[];
}

/** The model contract. Ids are `provider:model` (`reference`, `empty`, `scripted:<file>` for offline ones). */
export interface Model {
  readonly id: string;
  /**
   * What the answers depend on beyond the id, when that can change (a scripted file's content
   * hash): a run resumes only with the same fingerprint.
   */
  readonly fingerprint?: string;
  generate(request: GenerateRequest): Promise<GenerateResponse>;
  /**
   * What the model is, for a run's manifest and the response cache: provider type, endpoint,
   * per-model defaults. Never a key.
   */
  describe?(): Record<string, unknown>;
  /** Requests this model should have in flight at once (a per-model setting); the run's default otherwise. */
  readonly concurrency?: number;
  /** Offline models (reference, empty, scripted, replay) answer from data: caching them is pointless. */
  readonly offline?: boolean;
  /**
   * How this model's answers are meant to be read when the run does not say: `continuation`
   * for answers that continue the task's code prefix (references, human-eval style samples
   * files), `chat` (the default) for answers a chat model writes.
   */
  readonly promptStyle?: 'chat' | 'continuation';
  /**
   * Offline models that answer from fixed data (`reference`, `scripted`): the samples they cannot
   * answer, checked before a run starts so that a missing answer is an error rather than a
   * silent failure. `allTaskIds` are every task of the suite, selected or not.
   */
  coverage?(tasks: readonly Task[], samples: number, allTaskIds: readonly string[]): ModelCoverage;
}
