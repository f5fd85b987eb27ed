import { z } from 'zod';
import { InvalidInputError } from '../errors/sandbench-error.ts';
import { formatZodIssues } from '../schemas/format-zod-error.ts';
import { taskSchema, type Task, type TaskInput } from '../schemas/task.ts';
import { displayPath, type JsonlRecord } from './read-jsonl.ts';

/** Where a record sits, for error messages: `file:line (task id)`. */
export interface RecordLocation {
  file: string;
  line: number;
  /** The record's task id, when it has a readable one. */
  taskId?: string;
}

/** `HumanEval.jsonl.gz:12 (HumanEval/11)`. */
export function describeLocation(location: RecordLocation): string {
  const id = location.taskId === undefined ? '' : ` (${location.taskId})`;
  return `${displayPath(location.file)}:${location.line}${id}`;
}

/**
 * The record's id under `key` when it is a non-empty string or an integer (APPS and SandboxFusion
 * number their problems), even if the rest is invalid.
 */
export function readTaskId(value: unknown, key: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const id = (value as Record<string, unknown>)[key];
  if (typeof id === 'number' && Number.isSafeInteger(id)) return String(id);
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/**
 * A field that holds JSON-encoded text (`"[{\"input\": …}]"`), decoded and checked by `schema`;
 * the decoded value itself is accepted too (SandboxFusion's loaders take either).
 */
export function jsonEncoded<Schema extends z.ZodType>(schema: Schema) {
  return z
    .unknown()
    .transform((value, context) => {
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value) as unknown;
      } catch (error) {
        context.addIssue({ code: 'custom', message: `not valid JSON text: ${error instanceof Error ? error.message : String(error)}` });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

/** A dataset error whose message starts with the record's location. */
export function datasetError(location: RecordLocation, message: string, details: Record<string, unknown> = {}): InvalidInputError {
  return new InvalidInputError(`${describeLocation(location)}: ${message}`, {
    code: 'dataset',
    details: { file: location.file, line: location.line, ...(location.taskId === undefined ? {} : { taskId: location.taskId }), ...details },
  });
}

/** Validate one raw record against an importer's schema; issues are reported as `field: message`. */
export function parseRecord<Schema extends z.ZodType>(schema: Schema, location: RecordLocation, value: unknown): z.infer<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  throw datasetError(location, formatZodIssues(parsed.error.issues), {
    field: first ? first.path.map(String).join('.') : '',
    issues: parsed.error.issues,
  });
}

/**
 * Validate a task an importer built with `taskSchema`, so an importer bug (or a record that
 * passes the importer's checks but not the task's, like an empty prompt) surfaces with its location.
 */
export function finishTask(location: RecordLocation, input: TaskInput): Task {
  const parsed = taskSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw datasetError(location, `the converted task is invalid: ${formatZodIssues(parsed.error.issues)}`, { issues: parsed.error.issues });
}

/**
 * Convert every record with `convert`, then refuse duplicate task ids (naming both lines).
 * `idKey` is the field holding the record's id, used to name the task in errors.
 */
export function convertRecords(
  records: readonly JsonlRecord[],
  file: string,
  idKey: string,
  convert: (value: unknown, location: RecordLocation) => Task,
): Task[] {
  const tasks: Task[] = [];
  const firstLine = new Map<string, number>();
  for (const record of records) {
    const taskId = readTaskId(record.value, idKey);
    const location: RecordLocation = { file, line: record.line, ...(taskId === undefined ? {} : { taskId }) };
    const task = convert(record.value, location);
    const earlier = firstLine.get(task.id);
    if (earlier !== undefined) throw datasetError(location, `duplicate task id '${task.id}' (first on line ${earlier})`);
    firstLine.set(task.id, record.line);
    tasks.push(task);
  }
  return tasks;
}
