import { basename } from 'node:path';
import { InvalidInputError } from '../errors/sandbench-error.ts';
import { DATASET_FORMATS } from '../schemas/names.ts';
import type { Task } from '../schemas/task.ts';
import { importApps } from './apps.ts';
import { importCodeContests } from './code-contests.ts';
import { datasetError } from './dataset-record.ts';
import { importTasksJsonl } from './generic-jsonl.ts';
import { importHumanEvalX } from './humaneval-x.ts';
import { importHumanEval } from './humaneval.ts';
import { importMxeval } from './mxeval.ts';
import { displayPath, readJsonl, type JsonlRecord } from './read-jsonl.ts';

/** Dataset formats `loadDataset` reads. */
export { DATASET_FORMATS };
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

export interface LoadDatasetOptions {
  /** Skip detection and read the file as this format. */
  format?: DatasetFormat;
}

/** A dataset converted to tasks. */
export interface Dataset {
  /** The file name without `.jsonl` / `.jsonl.gz` (`HumanEval`). */
  name: string;
  /** The format it was read as (detected or forced). */
  format: DatasetFormat;
  tasks: Task[];
}

const IMPORTERS: Record<DatasetFormat, (records: readonly JsonlRecord[], file: string) => Task[]> = {
  humaneval: importHumanEval,
  'humaneval-x': importHumanEvalX,
  mbxp: importMxeval,
  'tasks-jsonl': importTasksJsonl,
  codecontests: importCodeContests,
  apps: importApps,
};

function isDatasetFormat(value: unknown): value is DatasetFormat {
  return typeof value === 'string' && (DATASET_FORMATS as readonly string[]).includes(value);
}

/**
 * The format a record's fields reveal, or undefined: sandbench tasks have `tests`; HumanEval-X
 * has `declaration`; mxeval's MBXP and multilingual HumanEval have `language` with `prompt` and
 * `test` (MBXP's Python split has no `description`); HumanEval has `entry_point`,
 * `canonical_solution` and `test` and none of the others; CodeContests as SandboxFusion packages
 * it has `content` and `test`; APPS has `question` and `input_output`.
 */
export function detectDatasetFormat(value: unknown): DatasetFormat | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const has = (key: string): boolean => Object.hasOwn(value, key);
  if (has('tests')) return 'tasks-jsonl';
  if (has('declaration')) return 'humaneval-x';
  if (has('language') && has('prompt') && has('test')) return 'mbxp';
  if (has('entry_point') && has('canonical_solution') && has('test')) return 'humaneval';
  if (has('content') && has('test')) return 'codecontests';
  if (has('question') && has('input_output')) return 'apps';
  return undefined;
}

/** `HumanEval.jsonl.gz` → `HumanEval`. */
function datasetName(file: string): string {
  return basename(file).replace(/\.gz$/, '').replace(/\.(jsonl|ndjson|json)$/, '');
}

/**
 * Read a dataset file (`.jsonl`, or gzip-compressed `.jsonl.gz`) and convert every record to a
 * validated `Task`. The format is detected from the first record unless `options.format` forces
 * one. Every problem is an `InvalidInputError` (code `dataset`) naming the file, the line, the
 * task id when known and the field, e.g. `HumanEval.jsonl.gz:12 (HumanEval/11): canonical_solution:
 * Invalid input: expected string, received number`.
 */
export async function loadDataset(path: string, options: LoadDatasetOptions = {}): Promise<Dataset> {
  const forced: unknown = options.format;
  if (forced !== undefined && !isDatasetFormat(forced)) {
    throw new InvalidInputError(`unknown dataset format '${String(forced)}' (known: ${DATASET_FORMATS.join(', ')})`, {
      code: 'dataset',
      details: { format: forced, formats: [...DATASET_FORMATS] },
    });
  }
  const records = await readJsonl(path);
  const first = records[0];
  if (first === undefined) {
    throw new InvalidInputError(`${displayPath(path)}: the dataset holds no records`, { code: 'dataset', details: { file: path } });
  }
  let format: DatasetFormat | undefined = forced;
  if (format === undefined) {
    format = detectDatasetFormat(first.value);
    if (format === undefined) {
      const fields =
        typeof first.value === 'object' && first.value !== null && !Array.isArray(first.value)
          ? `fields ${Object.keys(first.value).join(', ') || '(none)'}`
          : `a ${Array.isArray(first.value) ? 'list' : typeof first.value}, not an object`;
      throw datasetError(
        { file: path, line: first.line },
        `cannot tell the dataset format from the first record (${fields}); pass a format: ${DATASET_FORMATS.join(', ')}`,
      );
    }
  }
  return { name: datasetName(path), format, tasks: IMPORTERS[format](records, path) };
}
