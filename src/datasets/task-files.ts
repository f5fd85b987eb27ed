import { readFile, readdir, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';
import { parseDocument } from 'yaml';
import { InvalidInputError } from '../errors/sandbench-error.ts';
import { formatZodIssues } from '../schemas/format-zod-error.ts';
import { taskSchema, type Task } from '../schemas/task.ts';

/** Extensions of hand-written task files. */
export const TASK_FILE_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

function displayPath(file: string): string {
  const shown = relative(process.cwd(), file);
  return shown.startsWith('..') || shown === '' ? file : shown;
}

/** Parse YAML or JSON text; syntax errors name the file, line and column. */
function parseTaskFileText(file: string, text: string): unknown {
  if (extname(file) === '.json') {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new InvalidInputError(`${displayPath(file)}: invalid JSON: ${(error as Error).message}`, {
        code: 'task-file',
        details: { file },
      });
    }
  }
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const firstError = document.errors[0];
  if (firstError) {
    const position = firstError.linePos?.[0];
    const where = position ? `:${position.line}:${position.col}` : '';
    throw new InvalidInputError(`${displayPath(file)}${where}: invalid YAML: ${firstError.message.split('\n')[0]!.replace(/ at line \d+, column \d+:$/, '')}`, {
      code: 'task-file',
      details: { file, line: position?.line },
    });
  }
  return document.toJS({ maxAliasCount: 100 }) as unknown;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Read one task file: a single task, a list of tasks, or `{ suite?, defaults?, tasks: [...] }`.
 * Every problem is reported as `file: tasks[3].tests[0].stdout: message (task 'id')`.
 */
export async function loadTaskFile(file: string): Promise<Task[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InvalidInputError(`${displayPath(file)}: cannot read: ${(error as Error).message}`, {
      code: 'task-file',
      details: { file },
      cause: error,
    });
  }
  const document = parseTaskFileText(file, text);
  let entries: unknown[];
  let prefix: (index: number) => string;
  let defaults: Record<string, unknown> = {};
  if (Array.isArray(document)) {
    entries = document;
    prefix = (index) => `[${index}]`;
  } else if (isRecord(document) && 'tasks' in document) {
    const extra = Object.keys(document).filter((key) => !['suite', 'defaults', 'tasks'].includes(key));
    if (extra.length > 0) {
      throw new InvalidInputError(
        `${displayPath(file)}: unknown top-level field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')} (expected suite, defaults, tasks)`,
        { code: 'task-file', details: { file } },
      );
    }
    if (!Array.isArray(document.tasks)) {
      throw new InvalidInputError(`${displayPath(file)}: tasks: expected a list of tasks`, { code: 'task-file', details: { file } });
    }
    if (document.defaults !== undefined && !isRecord(document.defaults)) {
      throw new InvalidInputError(`${displayPath(file)}: defaults: expected an object`, { code: 'task-file', details: { file } });
    }
    defaults = (document.defaults as Record<string, unknown> | undefined) ?? {};
    entries = document.tasks;
    prefix = (index) => `tasks[${index}]`;
  } else if (isRecord(document)) {
    entries = [document];
    prefix = () => '';
  } else {
    throw new InvalidInputError(`${displayPath(file)}: expected a task, a list of tasks, or { tasks: [...] }`, {
      code: 'task-file',
      details: { file },
    });
  }

  const tasks: Task[] = [];
  entries.forEach((entry, index) => {
    const candidate = isRecord(entry) ? { ...defaults, ...entry } : entry;
    const parsed = taskSchema.safeParse(candidate);
    if (!parsed.success) {
      const id = isRecord(entry) && typeof entry.id === 'string' ? ` (task '${entry.id}')` : '';
      throw new InvalidInputError(`${displayPath(file)}: ${formatZodIssues(parsed.error.issues, prefix(index))}${id}`, {
        code: 'task-file',
        details: { file, index, issues: parsed.error.issues },
      });
    }
    tasks.push(parsed.data);
  });
  return tasks;
}

/** Every task file under a folder (recursively), sorted by path for a stable order. */
export async function findTaskFiles(folder: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (current: string): Promise<void> => {
    const entries = await readdir(current, { withFileTypes: true });
    for (const entry of entries) {
      // Hidden files, and JSON Schemas written beside the tasks (`sandbench schema --out`), are not tasks.
      if (entry.name.startsWith('.') || entry.name.endsWith('.schema.json')) continue;
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile() && (TASK_FILE_EXTENSIONS as readonly string[]).includes(extname(entry.name))) found.push(path);
    }
  };
  await walk(folder);
  return found.sort();
}

/** Load a folder of task files; ids must be unique across the folder. */
export async function loadTaskFolder(folder: string): Promise<Task[]> {
  const info = await stat(folder);
  if (!info.isDirectory()) throw new InvalidInputError(`${displayPath(folder)}: not a folder`, { code: 'task-file' });
  const files = await findTaskFiles(folder);
  if (files.length === 0) {
    throw new InvalidInputError(`${displayPath(folder)}: no task files (${TASK_FILE_EXTENSIONS.join(', ')}) found`, {
      code: 'task-file',
      details: { folder },
    });
  }
  const tasks: Task[] = [];
  const origin = new Map<string, string>();
  for (const file of files) {
    for (const task of await loadTaskFile(file)) {
      const previous = origin.get(task.id);
      if (previous) {
        throw new InvalidInputError(
          `${displayPath(file)}: duplicate task id '${task.id}' (also in ${displayPath(previous)})`,
          { code: 'task-file', details: { file, id: task.id } },
        );
      }
      origin.set(task.id, file);
      tasks.push(task);
    }
  }
  return tasks;
}
