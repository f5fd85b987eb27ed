/**
 * Remove sandbox containers when the process is interrupted (SIGINT, SIGTERM, SIGHUP) or runs
 * out of work (`beforeExit`). Only for applications that ask (DockerSandbox's `handleSignals`):
 * a library must not take over signals the embedding application owns. A SIGKILL cannot be
 * caught: the sweep of a later start removes those containers (see sweep-containers.ts).
 */

/** Something holding containers: a DockerSandbox. */
export interface CleanupTarget {
  /** Remove every container it made; must not throw. */
  removeAll(): Promise<void>;
}

const targets = new Set<CleanupTarget>();
let installed = false;
let signalling = false;
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** Upper bound on the time spent removing containers before the process goes on exiting. */
const CLEANUP_BUDGET_MS = 10_000;

async function removeAllTargets(): Promise<void> {
  const pending = [...targets].map((target) => target.removeAll().catch(() => {}));
  targets.clear();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(pending),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLEANUP_BUDGET_MS);
    }),
  ]);
  clearTimeout(timer);
}

function onSignal(signal: NodeJS.Signals): void {
  if (signalling) return;
  signalling = true;
  void removeAllTargets().finally(() => {
    signalling = false;
    uninstall();
    // Others listening decide how to exit; alone, die of the signal (conventional 128+n status).
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

function onBeforeExit(): void {
  if (targets.size === 0) return;
  // Removal schedules work, so beforeExit fires again afterwards with no targets left.
  void removeAllTargets();
}

function install(): void {
  if (installed) return;
  installed = true;
  for (const name of SIGNALS) process.on(name, onSignal);
  process.on('beforeExit', onBeforeExit);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  for (const name of SIGNALS) process.removeListener(name, onSignal);
  process.removeListener('beforeExit', onBeforeExit);
}

/**
 * Remove `target`'s containers on SIGINT / SIGTERM / SIGHUP and before a natural exit. One set
 * of handlers serves the whole process while at least one target is tracked; returns a function
 * that stops tracking `target` (and removes the handlers when it was the last one).
 */
export function cleanupOnExit(target: CleanupTarget): () => void {
  targets.add(target);
  install();
  return () => {
    targets.delete(target);
    // During a signal the handlers stay until removal ends, so a second Ctrl-C is not fatal.
    if (targets.size === 0 && !signalling) uninstall();
  };
}
