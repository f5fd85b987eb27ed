import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The shared datasets folder (read-only, never copied into the repo). */
export const dataRoot = process.env.SANDBENCH_DATA ?? resolve(repoRoot, '..', 'shared', 'data');

export const datasets = {
  humaneval: join(dataRoot, 'humaneval', 'HumanEval.jsonl.gz'),
  humanevalXJs: join(dataRoot, 'humaneval-x-js', 'humaneval_js.jsonl.gz'),
  mbxpTypescript: join(dataRoot, 'humaneval-ts-mxeval', 'HumanEval_typescript_v1.jsonl'),
};

export const hasData = existsSync(datasets.humaneval);
