import type { Logger } from 'pino';
import type { Suite } from '../datasets/load-suite.ts';
import { SandbenchError } from '../errors/sandbench-error.ts';
import { scoreCompletion } from '../harness/score-completion.ts';
import type { SandboxSet } from '../sandboxes/resolve-sandbox.ts';
import type { Sandbox, SandboxRunRequest } from '../sandboxes/sandbox.ts';
import { runtimeProfile } from '../runtimes/runtime-profiles.ts';
import type { ExecutionLimits } from '../schemas/limits.ts';
import type { Language, SandboxName, Task } from '../schemas/task.ts';
import { passAtKSummary } from '../scoring/pass-at-k.ts';
import type { Admission, AdmissionQueue } from './admission-queue.ts';
import type { BatchItemResult, BatchRequest, ExecuteRequest, ExecuteResponse, ScoreRequest, ScoreResponse } from './api-schemas.ts';
import { ApiError, describeError, ERROR_HTTP_STATUSES } from './error-table.ts';
import type { ServerMetrics } from './server-metrics.ts';
import { applyServerLimits, type LimitAdjustment } from './server-limits.ts';

export interface SandboxServiceOptions {
  sandboxes: SandboxSet;
  /** Suites loaded at start, by name. */
  suites: ReadonlyMap<string, Suite>;
  admission: AdmissionQueue;
  metrics: ServerMetrics;
  maximumLimits: ExecutionLimits;
  limitsPolicy: 'clamp' | 'refuse';
  logger: Logger;
}

/** A request checked and ready to run: how many units of work it needs, and the work. */
export interface PreparedWork<T> {
  units: number;
  run(admission: Admission, signal: AbortSignal): Promise<T>;
}

/** How a backend is doing, for `/healthz`. */
export interface BackendState {
  state: 'not-started' | 'warming' | 'ready' | 'unavailable';
  /** Why it is unavailable. */
  message?: string;
}

/**
 * The service's work: executions and scorings checked against the server's limits, admitted
 * through the queue and run in the shared sandboxes, with their metrics. Everything a request
 * asks that can be refused is refused before it takes room in the queue.
 */
export class SandboxService {
  readonly #options: SandboxServiceOptions;
  /** Aborted when shutdown's deadline passes: in-flight work is cancelled. */
  readonly #cancel = new AbortController();
  readonly #used = new Set<Sandbox>();
  readonly #backends = new Map<string, BackendState>();

  constructor(options: SandboxServiceOptions) {
    this.#options = options;
  }

  /** Whether in-flight work was cancelled by shutdown. */
  get cancelled(): boolean {
    return this.#cancel.signal.aborted;
  }

  /** Cancel every running and waiting unit of work (shutdown's deadline passed). */
  cancelAll(): void {
    const reason = new ApiError('shutting-down', 'the server shut down before this work finished', { retryAfterSeconds: 1 });
    this.#cancel.abort(reason);
    this.#options.admission.cancelWaiting(reason);
  }

  /** State of each backend that was warmed or used. */
  backendStates(): Record<string, BackendState> {
    return Object.fromEntries(this.#backends);
  }

  /** Live isolate workers and warm containers, by backend. */
  poolSizes(): Record<string, number> {
    const sizes: Record<string, number> = {};
    for (const sandbox of this.#used) {
      const probe = sandbox as { workerPids?: number[]; containerIds?: () => string[] };
      const size = probe.workerPids?.length ?? probe.containerIds?.().length;
      if (size !== undefined) sizes[sandbox.name] = (sizes[sandbox.name] ?? 0) + size;
    }
    return sizes;
  }

  /**
   * Start the pools for `languages` (containers, isolate workers) and check the engines. A
   * backend that cannot start is recorded as unavailable (its requests get 503); the others serve.
   */
  async warmUp(languages: readonly Language[]): Promise<void> {
    await Promise.all(
      languages.map(async (language) => {
        const name = this.#options.sandboxes.backendFor({ id: 'warm-up', language });
        if (this.#backends.get(name)?.state === 'ready') return;
        this.#backends.set(name, { state: 'warming' });
        try {
          const sandbox = await this.#sandbox({ id: 'warm-up', language });
          if (sandbox.warmUp) await sandbox.warmUp([language]);
          // The isolate has no warm-up of its own: one empty program starts its worker.
          else await sandbox.run({ language, source: '' });
          this.#backends.set(name, { state: 'ready' });
        } catch (error) {
          this.#options.logger.warn({ err: error, backend: name, language }, 'backend unavailable at start');
          this.#backends.set(name, { state: 'unavailable', message: describeError(error).message });
        }
      }),
    );
  }

  /** Check an execution and prepare its run. */
  prepareExecute(body: ExecuteRequest, field = ''): PreparedWork<ExecuteResponse> {
    const { limits, adjustments } = applyServerLimits(body.limits, {
      maximum: this.#options.maximumLimits,
      policy: this.#options.limitsPolicy,
      field: `${field}limits`,
      profileLimits: safeProfileLimits(body.language),
    });
    const files = { ...body.files };
    let source = body.code;
    if (source === undefined) {
      // The schema made sure `entry` names one of `files`.
      source = files[body.entry!]!;
      delete files[body.entry!];
    }
    const compile = body.compileLimits
      ? applyServerLimits(body.compileLimits, {
          maximum: this.#options.maximumLimits,
          policy: this.#options.limitsPolicy,
          field: `${field}compileLimits`,
          profileLimits: runtimeProfileCompileLimits(body.language),
          step: 'compile',
        })
      : undefined;
    adjustments.push(...(compile?.adjustments ?? []));
    const request: Omit<SandboxRunRequest, 'signal'> = {
      language: body.language,
      source,
      stdin: body.stdin,
      limits,
      ...(Object.keys(files).length > 0 ? { files } : {}),
      ...(body.typescript ? { typescript: body.typescript } : {}),
      ...(body.testCode !== undefined ? { testCode: body.testCode } : {}),
      ...(compile && Object.keys(compile.limits).length > 0 ? { compileLimits: compile.limits } : {}),
      ...(body.variant ? { variant: body.variant } : {}),
      ...(body.collectFiles ? { collectFiles: body.collectFiles } : {}),
    };
    const placement = { id: 'request', language: body.language, ...(body.sandbox ? { sandbox: body.sandbox } : {}) };
    return {
      units: 1,
      run: (admission, signal) =>
        this.#admitted(admission, signal, async (combined) => {
          const sandbox = await this.#sandbox(placement);
          const started = performance.now();
          try {
            const result = await sandbox.run({ ...request, signal: combined });
            // A run cut short by its client or by shutdown ends as the sandbox's `timeout`: count
            // it as cancelled, so the metrics never show a timeout the program did not cause.
            this.#options.metrics.executions.inc({ language: body.language, backend: sandbox.name, status: combined.aborted ? 'cancelled' : result.status });
            return { ...result, ...(adjustments.length > 0 ? { limitAdjustments: adjustments } : {}) };
          } catch (error) {
            this.#options.metrics.executions.inc({ language: body.language, backend: sandbox.name, status: 'sandbox-error' });
            throw error;
          } finally {
            this.#options.metrics.executionSeconds.observe({ language: body.language, backend: sandbox.name }, (performance.now() - started) / 1000);
          }
        }),
    };
  }

  /** Check a scoring (its task found, its limits held to the maximum) and prepare its runs. */
  prepareScore(body: ScoreRequest, field = ''): PreparedWork<ScoreResponse> {
    let task: Task;
    let suiteName: string | undefined;
    if (body.task) {
      task = body.task;
    } else {
      const suite = this.#options.suites.get(body.suite!);
      if (!suite) {
        const known = [...this.#options.suites.keys()];
        throw new ApiError('not-found', `no suite '${body.suite}' on this server (${known.length > 0 ? `loaded: ${known.join(', ')}` : 'none loaded'})`, { field: `${field}suite` });
      }
      const found = suite.tasks.find((candidate) => candidate.id === body.taskId);
      if (!found) throw new ApiError('not-found', `suite '${suite.name}' has no task '${body.taskId}'`, { field: `${field}taskId` });
      task = found;
      suiteName = suite.name;
    }
    if (task.kind !== 'code') {
      throw new ApiError('invalid-request', `task '${task.id}' is an ${task.kind} task: /v1/score judges programs against tests; ${task.kind} tasks are scored by their scorers through \`sandbench run\` or \`score\``, {
        field: `${field}${body.task ? 'task.kind' : 'taskId'}`,
      });
    }
    const adjustments: LimitAdjustment[] = [];
    const limits: NonNullable<Task['limits']> = {};
    for (const step of ['run', 'compile'] as const) {
      const held = applyServerLimits(task.limits?.[step], {
        maximum: this.#options.maximumLimits,
        // A suite's task is the server's own: its limits are held to the maximum, never refused.
        policy: body.task ? this.#options.limitsPolicy : 'clamp',
        field: `${field}task.limits.${step}`,
        profileLimits: step === 'run' ? safeProfileLimits(task.language) : runtimeProfileCompileLimits(task.language),
        step,
      });
      adjustments.push(...held.adjustments);
      if (Object.keys(held.limits).length > 0) limits[step] = held.limits;
    }
    const heldTask: Task = { ...task, limits, ...(body.sandbox ? { sandbox: body.sandbox as SandboxName } : {}) };
    const completions = body.completions ?? [body.completion!];
    return {
      units: completions.length,
      run: async (admission, signal) => {
        const samples = await Promise.all(
          completions.map((completion, index) =>
            this.#admitted(admission, signal, async (combined) => {
              const sandbox = await this.#sandbox(heldTask);
              const score = await scoreCompletion(heldTask, completion, sandbox, { assembly: body.assembly, signal: combined, logger: this.#options.logger });
              this.#options.metrics.samples.inc({ language: task.language, outcome: combined.aborted ? 'cancelled' : score.outcome });
              this.#options.metrics.executionSeconds.observe({ language: task.language, backend: sandbox.name }, score.executionMs / 1000);
              return {
                index,
                outcome: score.outcome,
                passed: score.outcome === 'sandbox-error' ? null : score.outcome === 'passed',
                verdicts: score.verdicts,
                executionMs: score.executionMs,
                ...(score.error ? { error: score.error } : {}),
              };
            }),
          ),
        );
        const judged = samples.filter((sample) => sample.passed !== null);
        const passed = judged.filter((sample) => sample.passed).length;
        return {
          taskId: task.id,
          ...(suiteName ? { suite: suiteName } : {}),
          samples,
          counts: { samples: samples.length, passed, failed: judged.length - passed, sandboxErrors: samples.length - judged.length },
          passAt: passAtKSummary([{ samples: judged.length, passed }]),
          ...(adjustments.length > 0 ? { limitAdjustments: adjustments } : {}),
        };
      },
    };
  }

  /**
   * Check every item of a batch. An item that cannot run (an unknown suite, a limit refused) is
   * that item's error, not the batch's; `units` counts the items that will run.
   */
  prepareBatch(body: BatchRequest): { units: number; items: Array<PreparedWork<ExecuteResponse | ScoreResponse> | BatchItemResult> } {
    let units = 0;
    const items = body.items.map((item, index): PreparedWork<ExecuteResponse | ScoreResponse> | BatchItemResult => {
      const field = `items[${index}].`;
      try {
        const { kind: _kind, ...rest } = item;
        const prepared = item.kind === 'execute' ? this.prepareExecute(rest as ExecuteRequest, field) : this.prepareScore(rest as ScoreRequest, field);
        units += prepared.units;
        return prepared;
      } catch (error) {
        return itemError(index, item.kind, error);
      }
    });
    return { units, items };
  }

  /** Run every prepared item of a batch, reporting each as it finishes; results in request order. */
  async runBatch(
    body: BatchRequest,
    prepared: ReturnType<SandboxService['prepareBatch']>,
    admission: Admission,
    signal: AbortSignal,
    onItem: (result: BatchItemResult) => void,
  ): Promise<BatchItemResult[]> {
    return Promise.all(
      prepared.items.map(async (item, index) => {
        const kind = body.items[index]!.kind;
        let result: BatchItemResult;
        if (!('run' in item)) result = item;
        else {
          try {
            const output = await item.run(admission, signal);
            result = kind === 'execute' ? { index, kind, ok: true, result: output as ExecuteResponse } : { index, kind, ok: true, result: output as ScoreResponse };
          } catch (error) {
            if (this.cancelled || signal.aborted) throw error;
            this.#options.logger.warn({ err: error, index }, 'batch item failed');
            result = itemError(index, kind, error);
          }
        }
        onItem(result);
        return result;
      }),
    );
  }

  /**
   * Run one unit of admitted work under a signal that the request's end or shutdown aborts. Work
   * cut short by shutdown is reported as `shutting-down`, never as the program's `timeout`.
   */
  async #admitted<T>(admission: Admission, signal: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const combined = AbortSignal.any([signal, this.#cancel.signal]);
    const queued = performance.now();
    const result = await admission.run(async () => {
      this.#options.metrics.queueWaitSeconds.observe((performance.now() - queued) / 1000);
      return work(combined);
    }, combined);
    if (this.#cancel.signal.aborted) throw this.#cancel.signal.reason;
    return result;
  }

  async #sandbox(placement: { id: string; language: Language; sandbox?: SandboxName | undefined }): Promise<Sandbox> {
    const sandbox = await this.#options.sandboxes.forTask(placement.sandbox ? { id: placement.id, language: placement.language, sandbox: placement.sandbox } : { id: placement.id, language: placement.language });
    this.#used.add(sandbox);
    return sandbox;
  }
}

/** A batch item's error, with the status its code has in the one table. */
function itemError(index: number, kind: 'execute' | 'score', error: unknown): BatchItemResult {
  const described = describeError(error);
  return {
    index,
    kind,
    ok: false,
    status: ERROR_HTTP_STATUSES[described.code],
    error: { code: described.code, message: described.message, ...(described.field ? { field: described.field } : {}) },
  };
}

function safeProfileLimits(language: Language) {
  try {
    return runtimeProfile(language).limits;
  } catch (error) {
    if (SandbenchError.isInstance(error)) return undefined;
    throw error;
  }
}

function runtimeProfileCompileLimits(language: Language) {
  try {
    return runtimeProfile(language).compile?.limits;
  } catch (error) {
    if (SandbenchError.isInstance(error)) return undefined;
    throw error;
  }
}
