import type { Task } from '../schemas/task.ts';
import { taskSchema } from '../schemas/task.ts';
import { convertRecords, parseRecord, type RecordLocation } from './dataset-record.ts';
import type { JsonlRecord } from './read-jsonl.ts';

/** One line of a tasks JSONL file: a sandbench task as is, validated by `taskSchema`. */
export function genericJsonlTask(value: unknown, location: RecordLocation): Task {
  return parseRecord(taskSchema, location, value);
}

/** Convert lines that already are sandbench tasks; errors name `file:line (id): field.path`. */
export function importTasksJsonl(records: readonly JsonlRecord[], file: string): Task[] {
  return convertRecords(records, file, 'id', genericJsonlTask);
}
