import { SandboxError } from '../errors/sandbench-error.ts';
import type { SandboxSet } from '../sandboxes/resolve-sandbox.ts';
import type { Sandbox, SandboxSession } from '../sandboxes/sandbox.ts';
import type { Task } from '../schemas/task.ts';

/** Built-in tools that run in the episode's container. */
const COMMAND_TOOLS = new Set(['bash', 'python', 'read_file', 'write_file', 'list_files']);

/** What an episode of this task needs: a container for commands and files, an isolate context for `javascript`. */
export function episodeNeeds(task: Task): { commands: boolean; javascript: boolean } {
  const tools = task.tools ?? [];
  const commands =
    tools.some((entry) => (typeof entry === 'string' ? COMMAND_TOOLS.has(entry) : entry.command !== undefined)) ||
    Object.keys(task.files ?? {}).length > 0 ||
    // Scorers that look into the episode's container after it ends.
    (task.scorers ?? []).some((scorer) => scorer.file !== undefined || scorer.command !== undefined || (scorer.custom?.files.length ?? 0) > 0);
  return { commands, javascript: tools.includes('javascript') };
}

/**
 * The sandboxes of one episode: its container session (opened at the start, with the task's
 * files in place), its isolate context (opened at the first `javascript` call), and the isolate
 * backend for custom JavaScript tools and scorers. `dispose` ends both sessions whatever happened.
 */
export class EpisodeSandboxes {
  /** The container session, when the task needs one. */
  readonly session: SandboxSession | undefined;
  readonly #sandboxes: SandboxSet;
  #script: Promise<SandboxSession> | undefined;
  #disposed = false;

  private constructor(sandboxes: SandboxSet, session: SandboxSession | undefined) {
    this.#sandboxes = sandboxes;
    this.session = session;
  }

  /** Open what the task's episode needs. Throws `SandboxError` when its backend cannot host it. */
  static async open(task: Task, sandboxes: SandboxSet, signal?: AbortSignal): Promise<EpisodeSandboxes> {
    if (!episodeNeeds(task).commands) return new EpisodeSandboxes(sandboxes, undefined);
    const sandbox = await sandboxes.forTask(task);
    if (!sandbox.openSession) throw cannotHost(task, sandbox);
    const session = await sandbox.openSession({
      language: task.language,
      ...(task.files ? { files: task.files } : {}),
      ...(task.limits?.run ? { limits: task.limits.run } : {}),
      ...(signal ? { signal } : {}),
    });
    if (!session.runCommand) {
      await session.dispose();
      throw cannotHost(task, sandbox);
    }
    return new EpisodeSandboxes(sandboxes, session);
  }

  /** The isolate backend (custom JavaScript tools and scorers run there, one call per run). */
  isolate(): Promise<Sandbox> {
    return this.#sandboxes.named('isolate');
  }

  /** The episode's persistent JavaScript context, opened on first use. */
  script(): Promise<SandboxSession> {
    if (this.#disposed) return Promise.reject(new SandboxError('the episode has ended'));
    this.#script ??= (async () => {
      const isolate = await this.isolate();
      if (!isolate.openSession) throw new SandboxError('the isolate backend cannot open sessions', { code: 'unsupported' });
      return isolate.openSession({ language: 'javascript' });
    })();
    return this.#script;
  }

  /** End every session (idempotent; belongs in a `finally`). */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    const script = this.#script;
    await Promise.allSettled([this.session?.dispose(), script?.then((opened) => opened.dispose())]);
  }
}

function cannotHost(task: Task, sandbox: Sandbox): SandboxError {
  return new SandboxError(
    `agent task '${task.id}' needs a container for its tools and files, which the ${sandbox.name} sandbox cannot host; use --sandbox docker`,
    { code: 'unsupported', details: { task: task.id, sandbox: sandbox.name } },
  );
}
