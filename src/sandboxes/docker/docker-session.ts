import { InvalidInputError, SandboxError } from '../../errors/sandbench-error.ts';
import type { CollectedFile, ExecutionResult } from '../../schemas/execution-result.ts';
import { resolveLimits, type ExecutionLimits } from '../../schemas/limits.ts';
import { cancelledResult, lostResult } from '../execution-results.ts';
import type { SandboxSession, SessionCommandRequest } from '../sandbox.ts';
import { removeContainer, type StartedContainer } from './create-container.ts';
import { packFiles } from './pack-files.ts';
import { RunnerGoneError, RunnerTimeoutError, type RunnerStep, type RunnerStepResult } from './runner-connection.ts';

/** Time the host allows beyond a command's own limit before it declares the runner stuck. */
const OUTER_DEADLINE_MARGIN_MS = 5_000;
/** How long writing or reading files between commands may take. */
const FILES_TIMEOUT_MS = 30_000;
/**
 * Runner reasons after which the container cannot be trusted to judge the next command (its
 * runner's own limits were changed, its fork server could not be restarted): the session ends.
 */
const FATAL_REASONS = new Set(['runner-tampered', 'fork-server-failed']);

/** What a Docker session needs from the sandbox that opened it. */
export interface DockerSessionParts {
  /** The session's own container, its runner connected (never from the warm pool). */
  started: StartedContainer;
  /** The session's resolved limits: memory, processes and disk of the container, defaults of its commands. */
  limits: ExecutionLimits;
  /** The runner step that runs `argv` under `limits`. */
  step(argv: string[], limits: ExecutionLimits): RunnerStep;
  /** The result of a step from the runner's facts (throws `SandboxError` for a starved step). */
  judge(facts: RunnerStepResult, limits: ExecutionLimits, step: RunnerStep): ExecutionResult;
  /** The result of a command whose runner was lost or stuck, or the engine fault it was. */
  judgeLost(error: unknown, started: StartedContainer, deadlineMs: number): Promise<ExecutionResult>;
  /** Called once the session's container is removed (the sandbox stops tracking it). */
  onDisposed(session: DockerSession): void;
}

/**
 * An agent episode's sandbox: one hardened container with the resident runner as PID 1, kept
 * for the session. Every command runs in the same work directory (`/work/job`, also HOME);
 * files there, in /tmp and in /dev/shm persist between commands, processes do not: whatever a
 * command leaves running is killed when it ends. Calls run one at a time, in the order made.
 */
export class DockerSession implements SandboxSession {
  readonly backend = 'docker';
  readonly #parts: DockerSessionParts;
  /** Calls run one after another (the runner takes one request at a time). */
  #queue: Promise<unknown> = Promise.resolve();
  #disposed: Promise<void> | null = null;
  /** Why the container is gone, once it is (the session then answers every call with that). */
  #ended: string | null = null;
  /** The container's removal once the session ended early. */
  #ending: Promise<void> | null = null;

  constructor(parts: DockerSessionParts) {
    this.#parts = parts;
    parts.started.connection.onGone(() => {
      this.#ended ??= 'its runner went away';
    });
  }

  /** Id of the session's container (diagnostics, tests). */
  get containerId(): string {
    return this.#parts.started.id;
  }

  async runCommand(request: SessionCommandRequest): Promise<ExecutionResult> {
    this.#checkOpen();
    if (!Array.isArray(request.argv) || request.argv.length === 0 || !request.argv.every((arg) => typeof arg === 'string' && !arg.includes('\0'))) {
      throw new InvalidInputError('a session command needs argv: a non-empty list of strings without NUL characters');
    }
    return this.#serialize(() => this.#runCommand(request));
  }

  /**
   * Writes files over the work directory (folders made, regular files replaced). A path that is
   * or passes through a symbolic link (the session's commands may have made one), or that the
   * disk has no room for, is refused with an `InvalidInputError` naming it; the others are written.
   */
  async writeFiles(files: Record<string, string | Uint8Array>): Promise<void> {
    this.#checkOpen();
    const tar = await packFiles(Object.entries(files).map(([path, content]) => ({ path, content })));
    await this.#serialize(async () => {
      const { connection } = this.#parts.started;
      const errors = await this.#filesCall(() => connection.writeFiles(tar, FILES_TIMEOUT_MS));
      if (errors.length > 0) {
        throw new InvalidInputError(`could not write ${errors.map((entry) => `'${entry.path}': ${entry.error}`).join('; ')}`, {
          details: { errors },
        });
      }
    });
  }

  async readFiles(paths: string[], maxBytes?: number): Promise<CollectedFile[]> {
    this.#checkOpen();
    const cap = Math.max(0, Math.floor(maxBytes ?? this.#parts.limits.maxOutputBytes));
    return this.#serialize(async () => {
      const { connection } = this.#parts.started;
      const files = await this.#filesCall(() => connection.readFiles([...paths], cap, FILES_TIMEOUT_MS));
      return files.map((file) => {
        const entry: CollectedFile = { path: file.path };
        if (file.content !== undefined) entry.contentBase64 = file.content.toString('base64');
        if (file.error !== undefined) entry.error = file.error;
        return entry;
      });
    });
  }

  /** Removes the container; idempotent. */
  dispose(): Promise<void> {
    this.#disposed ??= (async () => {
      this.#ended ??= 'disposed';
      const { connection, container } = this.#parts.started;
      connection.close();
      try {
        await removeContainer(container);
      } finally {
        this.#parts.onDisposed(this);
      }
    })();
    return this.#disposed;
  }

  #checkOpen(): void {
    if (this.#disposed) throw new SandboxError('the Docker session was disposed', { code: 'sandbox-failure' });
  }

  #serialize<T>(call: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(call, call);
    this.#queue = next.catch(() => {});
    return next;
  }

  /** A file call between commands: an engine fault when the runner fails it, or the session is over. */
  async #filesCall<T>(call: () => Promise<T>): Promise<T> {
    if (this.#ended !== null) {
      throw new SandboxError(`the Docker session's container is gone (${this.#ended}); its files are lost`, { code: 'sandbox-failure' });
    }
    try {
      return await call();
    } catch (error) {
      if (error instanceof RunnerGoneError || error instanceof RunnerTimeoutError) await this.#end('its runner stopped answering');
      throw SandboxError.isInstance(error) || InvalidInputError.isInstance(error)
        ? error
        : new SandboxError(`Docker session file transfer failed: ${(error as Error).message}`, { code: 'sandbox-failure', cause: error });
    }
  }

  async #runCommand(request: SessionCommandRequest): Promise<ExecutionResult> {
    if (this.#disposed) throw new SandboxError('the Docker session was disposed', { code: 'sandbox-failure' });
    if (this.#ended !== null) {
      return lostResult('docker', 'runtime-error', `the session's container is gone (${this.#ended}); its files are lost`);
    }
    if (request.signal?.aborted) return cancelledResult('docker', { message: 'cancelled before it started' });
    const session = this.#parts.limits;
    // Memory, processes and disk belong to the container; a command sets its time and output.
    const limits: ExecutionLimits = {
      ...resolveLimits([session, request.limits]),
      memoryBytes: session.memoryBytes,
      pids: session.pids,
      diskBytes: session.diskBytes,
    };
    const step = this.#parts.step(request.argv, limits);
    const deadlineMs = limits.timeoutMs + OUTER_DEADLINE_MARGIN_MS;
    const stdin = request.stdin === undefined ? Buffer.alloc(0) : typeof request.stdin === 'string' ? Buffer.from(request.stdin, 'utf8') : Buffer.from(request.stdin);
    const { started } = this.#parts;
    // The runner cannot stop a job half-way on request: a cancel ends the session.
    const onAbort = (): void => {
      void this.#end('a command was cancelled');
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await started.connection.runJob(
        { steps: [step], files: Buffer.alloc(0), stdin, collect: [], collectMaxBytes: 0, keepAfterFailure: true, keepWorkdir: true },
        deadlineMs,
      );
      const facts = result.steps[0];
      if (!facts) throw new SandboxError('the runner returned no step', { code: 'sandbox-failure' });
      const execution = this.#parts.judge(facts, limits, step);
      const fatal = result.recycle.filter((reason) => FATAL_REASONS.has(reason));
      if (fatal.length > 0) {
        await this.#end(`the command broke the sandbox (${fatal.join(', ')})`);
        execution.message = `${execution.message ? `${execution.message}; ` : ''}the command broke the session's sandbox (${fatal.join(', ')}): the session is over`;
      }
      return execution;
    } catch (error) {
      if (request.signal?.aborted) {
        await this.#end('a command was cancelled');
        return cancelledResult('docker', { message: 'cancelled; the session ended with it (its container was removed)' });
      }
      if (SandboxError.isInstance(error)) throw error;
      if (!(error instanceof RunnerGoneError) && !(error instanceof RunnerTimeoutError) && !started.connection.gone) {
        return this.#parts.judgeLost(error, started, deadlineMs);
      }
      this.#ended ??= 'its runner was lost during a command';
      try {
        return await this.#parts.judgeLost(error, started, deadlineMs);
      } finally {
        await this.#end(this.#ended);
      }
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** The container is unusable: remove it now (files are lost); later calls say why. */
  #end(reason: string): Promise<void> {
    this.#ended ??= reason;
    this.#ending ??= (async () => {
      const { connection, container } = this.#parts.started;
      connection.close();
      await removeContainer(container).catch(() => {});
    })();
    return this.#ending;
  }
}
