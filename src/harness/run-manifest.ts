import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Suite } from '../datasets/load-suite.ts';
import { DEFAULT_COMPILE_LIMITS, DEFAULT_RUN_LIMITS, MAXIMUM_LIMITS } from '../schemas/limits.ts';

/** One stretch of a run between a start (or resume) and its end (or interruption). */
export const runPartSchema = z.object({
  startedAt: z.string(),
  /** Absent while the part runs, or when it ended in a crash. */
  finishedAt: z.string().optional(),
  /** Time the part ran, in milliseconds (absent like `finishedAt`). */
  durationMs: z.number().nonnegative().optional(),
  /** The part was stopped by Ctrl-C / SIGTERM. */
  interrupted: z.boolean().optional(),
});
export type RunPart = z.infer<typeof runPartSchema>;

/** What `run.json` records about a run, so it can be resumed only as the same run, and reproduced. */
export const runManifestSchema = z.object({
  runId: z.string().min(1),
  suite: z.string(),
  /** Where the suite was loaded from. */
  suiteSource: z.string(),
  /** SHA-256 of the selected tasks as loaded, limits left out (they have their own hash). */
  suiteHash: z.string(),
  /** SHA-256 of every task's limits and the default and maximum limits in force. */
  limitsHash: z.string(),
  /** The task selection applied when loading (`--tasks`, `--limit`). */
  taskFilter: z.object({ taskIds: z.array(z.string()).optional(), limit: z.number().int().positive().optional() }),
  /** Number of tasks selected. */
  tasks: z.number().int().nonnegative(),
  model: z.string(),
  /** What the model's answers depend on beyond its id (a scripted file's content hash); null when nothing. */
  modelFingerprint: z.string().nullable(),
  samples: z.number().int().positive(),
  /** The backend forced with `--sandbox`, or `auto` (each task's own choice). */
  sandbox: z.string(),
  /** Sampling temperature sent to the model. */
  temperature: z.number(),
  /**
   * The other settings the answers depend on: system prompt, top_p, max tokens, stop sequences,
   * seed, repair turns (absent in runs made before they existed: read as none set).
   */
  parameters: z.record(z.string(), z.unknown()).optional(),
  /** How the answers were read (`chat` or `continuation`); absent in runs made before it was recorded. */
  promptStyle: z.enum(['chat', 'continuation']).optional(),
  /** What the model is (provider, endpoint, per-model defaults); never a key. */
  modelInfo: z.record(z.string(), z.unknown()).optional(),
  /** SHA-256 of each file the suite was loaded from. */
  taskFiles: z.array(z.object({ path: z.string(), sha256: z.string() })).optional(),
  /** Default and maximum limits in force. */
  limits: z.record(z.string(), z.unknown()).optional(),
  /** What each backend records about itself (Docker: image ids), by backend name. */
  backends: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  /** Where the run ran: Node version, platform, host name, CPUs. */
  environment: z.record(z.string(), z.unknown()).optional(),
  sandbenchVersion: z.string(),
  /** When the run first started. */
  startedAt: z.string(),
  /** When its last part ended (absent while running, or after a crash). */
  finishedAt: z.string().optional(),
  parts: z.array(runPartSchema),
});
export type RunManifest = z.infer<typeof runManifestSchema>;

function sha256(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** The suite's two fingerprints: its tasks without limits, and the limits (with the defaults in force). */
export function suiteFingerprint(suite: Suite): { suiteHash: string; limitsHash: string } {
  return {
    suiteHash: sha256(suite.tasks.map(({ limits: _limits, ...task }) => task)),
    limitsHash: sha256({
      tasks: suite.tasks.map((task) => [task.id, task.limits ?? null]),
      defaults: limitsInForce(),
    }),
  };
}

/** The settings that make two runs the same run (what `--resume` must find unchanged). */
export type RunIdentity = Pick<
  RunManifest,
  'suiteHash' | 'limitsHash' | 'taskFilter' | 'model' | 'modelFingerprint' | 'samples' | 'sandbox' | 'temperature'
> & { parameters: Record<string, unknown> };

/** Settings as one line, for messages: `seed=1, maxTokens=512`, or `none`. */
function describeParameters(parameters: Record<string, unknown>): string {
  const entries = Object.entries(parameters);
  return entries.length > 0 ? entries.map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(', ') : 'none';
}

function describeFilter(filter: RunManifest['taskFilter']): string {
  const parts = [];
  if (filter.taskIds) parts.push(`--tasks ${filter.taskIds.join(',')}`);
  if (filter.limit !== undefined) parts.push(`--limit ${filter.limit}`);
  return parts.length > 0 ? parts.join(' ') : 'all tasks';
}

/** Every way `requested` differs from the run recorded in `manifest`, one phrase each. */
export function identityDifferences(manifest: RunManifest, requested: RunIdentity): string[] {
  const differences: string[] = [];
  if (manifest.model !== requested.model) differences.push(`model: the run used '${manifest.model}', now '${requested.model}'`);
  else if (manifest.modelFingerprint !== requested.modelFingerprint) {
    differences.push(`model: '${manifest.model}' gives other answers now (its data changed since the run started)`);
  }
  if (manifest.samples !== requested.samples) differences.push(`samples: the run used ${manifest.samples}, now ${requested.samples}`);
  if (JSON.stringify(manifest.taskFilter) !== JSON.stringify(requested.taskFilter)) {
    differences.push(`task selection: the run used ${describeFilter(manifest.taskFilter)}, now ${describeFilter(requested.taskFilter)}`);
  }
  if (manifest.suiteHash !== requested.suiteHash) differences.push('suite: its tasks changed since the run started (content hash differs)');
  if (manifest.limitsHash !== requested.limitsHash) differences.push('limits: the tasks\' limits (or the defaults) changed since the run started');
  if (manifest.sandbox !== requested.sandbox) differences.push(`sandbox: the run used ${manifest.sandbox}, now ${requested.sandbox}`);
  if (manifest.temperature !== requested.temperature) {
    differences.push(`temperature: the run used ${manifest.temperature}, now ${requested.temperature}`);
  }
  const recorded = manifest.parameters ?? {};
  if (JSON.stringify(recorded) !== JSON.stringify(requested.parameters)) {
    differences.push(`model parameters: the run used ${describeParameters(recorded)}, now ${describeParameters(requested.parameters)}`);
  }
  return differences;
}

/** SHA-256 of each file a suite was loaded from: the dataset file, or every task file of a folder. */
export async function taskFileHashes(source: string): Promise<Array<{ path: string; sha256: string }>> {
  const { stat, readFile } = await import('node:fs/promises');
  const { findTaskFiles } = await import('../datasets/task-files.ts');
  const files = (await stat(source)).isDirectory() ? await findTaskFiles(source) : [source];
  return Promise.all(files.map(async (path) => ({ path, sha256: createHash('sha256').update(await readFile(path)).digest('hex') })));
}

/** The limits in force for every run (tasks' own limits are in `limitsHash`). */
export function limitsInForce(): Record<string, unknown> {
  return { run: DEFAULT_RUN_LIMITS, compile: DEFAULT_COMPILE_LIMITS, maximum: MAXIMUM_LIMITS };
}
