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
  humanevalXCpp: join(dataRoot, 'humaneval-x-cpp', 'humaneval_cpp.jsonl.gz'),
  humanevalXPython: join(dataRoot, 'humaneval-x-python', 'humaneval_python.jsonl.gz'),
  humanevalXJava: join(dataRoot, 'humaneval-x-java', 'humaneval_java.jsonl.gz'),
  humanevalXGo: join(dataRoot, 'humaneval-x-go', 'humaneval_go.jsonl.gz'),
  humanevalXRust: join(dataRoot, 'humaneval-x-rust', 'humaneval_rust.jsonl.gz'),
  mbxpTypescript: join(dataRoot, 'humaneval-ts-mxeval', 'HumanEval_typescript_v1.jsonl'),
};

export const hasData = existsSync(datasets.humaneval);
