import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { InvalidInputError } from '../errors/sandbench-error.ts';
import { MAXIMUM_LIMITS, type ExecutionLimits } from '../schemas/limits.ts';
import type { Task } from '../schemas/task.ts';
import { DATASET_FORMATS, loadDataset } from './load-dataset.ts';
import { loadTaskFile, loadTaskFolder, TASK_FILE_EXTENSIONS } from './task-files.ts';

/** A set of tasks ready to run, with where it came from. */
export interface Suite {
  /** Display name (folder or file name). */
  name: string;
  /** The path it was loaded from. */
  source: string;
  /** `tasks` for hand-written task files, or the detected dataset format. */
  format: string;
  /** The selected tasks, in the suite's order. */
  tasks: Task[];
  /** The selection applied when loading (`taskIds`, `limit`); empty when every task is kept. */
  filter: { taskIds?: string[]; limit?: number };
  /** Ids of every task the suite holds, selected or not. */
  allTaskIds: string[];
  /** Things the user should know that do not stop the run (limits clamped to the maximum). */
  warnings: string[];
}

export interface LoadSuiteOptions {
  /** Dataset format, overriding detection (`humaneval`, `humaneval-x`, `mbxp`, `tasks-jsonl`, `codecontests`, `apps`). */
  format?: string;
  /** Keep only these task ids (in the suite's order). */
  taskIds?: string[];
  /** Keep only the first N tasks (after the id filter). */
  limit?: number;
}

function suiteName(path: string): string {
  return basename(path).replace(/\.(jsonl\.gz|jsonl|json|yaml|yml)$/, '');
}

/**
 * Load a suite from a folder of task files, one task file (YAML / JSON), or a dataset file
 * (`.jsonl`, `.jsonl.gz`, format detected from its fields).
 */
export async function loadSuite(path: string, options: LoadSuiteOptions = {}): Promise<Suite> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new InvalidInputError(`${path}: no such file or folder`, { code: 'task-file', details: { path } });
  }
  const isDataset = /\.jsonl(\.gz)?$/.test(path);
  if (options.format !== undefined) {
    if (!(DATASET_FORMATS as readonly string[]).includes(options.format)) {
      throw new InvalidInputError(`unknown dataset format '${options.format}' (known: ${DATASET_FORMATS.join(', ')})`, {
        code: 'dataset',
        details: { format: options.format },
      });
    }
    if (!isDataset) {
      throw new InvalidInputError(`${path}: --format applies to dataset files (.jsonl, .jsonl.gz) only`, { code: 'task-file' });
    }
  }
  let loaded: { name: string; format: string; tasks: Task[] };
  if (info.isDirectory()) {
    loaded = { name: suiteName(path.replace(/\/+$/, '')), format: 'tasks', tasks: await loadTaskFolder(path) };
  } else if (isDataset) {
    const dataset = await loadDataset(path, options.format ? { format: options.format as never } : {});
    loaded = { name: dataset.name || suiteName(path), format: dataset.format, tasks: dataset.tasks };
  } else if ((TASK_FILE_EXTENSIONS as readonly string[]).includes(extname(path))) {
    const tasks = await loadTaskFile(path);
    const ids = new Set<string>();
    for (const task of tasks) {
      if (ids.has(task.id)) throw new InvalidInputError(`${path}: duplicate task id '${task.id}'`, { code: 'task-file' });
      ids.add(task.id);
    }
    loaded = { name: suiteName(path), format: 'tasks', tasks };
  } else {
    throw new InvalidInputError(
      `${path}: unknown suite type (expected a folder, ${TASK_FILE_EXTENSIONS.join('/')}, .jsonl or .jsonl.gz)`,
      { code: 'task-file', details: { path } },
    );
  }
  const suite: Suite = { ...loaded, source: path, filter: {}, allTaskIds: loaded.tasks.map((task) => task.id), warnings: [] };
  if (options.taskIds && options.taskIds.length > 0) {
    const wanted = new Set(options.taskIds);
    const known = new Set(suite.tasks.map((task) => task.id));
    const missing = options.taskIds.filter((id) => !known.has(id));
    if (missing.length > 0) {
      throw new InvalidInputError(`${path}: no task with id ${missing.map((id) => `'${id}'`).join(', ')}`, {
        code: 'task-file',
        details: { missing },
      });
    }
    suite.tasks = suite.tasks.filter((task) => wanted.has(task.id));
    // Order and repeats do not change the selection (the suite keeps its own order).
    suite.filter.taskIds = [...wanted].sort();
  }
  if (options.limit !== undefined) {
    suite.tasks = suite.tasks.slice(0, options.limit);
    suite.filter.limit = options.limit;
  }
  suite.warnings = clampedLimitWarnings(suite.tasks);
  return suite;
}

/** One warning per task limit above the maximum: such a limit is clamped, never silently. */
export function clampedLimitWarnings(tasks: readonly Task[]): string[] {
  const warnings: string[] = [];
  for (const task of tasks) {
    for (const step of ['run', 'compile'] as const) {
      const limits = task.limits?.[step];
      if (!limits) continue;
      for (const [name, value] of Object.entries(limits) as Array<[keyof ExecutionLimits, number | undefined]>) {
        if (value !== undefined && value > MAXIMUM_LIMITS[name]) {
          warnings.push(`task '${task.id}': limits.${step}.${name} ${value} is above the maximum ${MAXIMUM_LIMITS[name]}; clamped to it`);
        }
      }
    }
  }
  return warnings;
}
