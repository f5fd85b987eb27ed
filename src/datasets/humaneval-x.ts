import { z } from 'zod';
import type { Language, Task, TaskInput } from '../schemas/task.ts';
import { convertRecords, datasetError, finishTask, parseRecord, type RecordLocation } from './dataset-record.ts';
import type { JsonlRecord } from './read-jsonl.ts';

/** Run limits of imported HumanEval-X tasks (see `HUMANEVAL_TIMEOUT_MS` for why 10 s). */
export const HUMANEVAL_X_TIMEOUT_MS = 10_000;

/** The `task_id` prefixes of HumanEval-X's splits and the language each one is written in. */
export const HUMANEVAL_X_LANGUAGES = {
  CPP: 'cpp',
  Java: 'java',
  Go: 'go',
  Rust: 'rust',
  Python: 'python',
  JavaScript: 'javascript',
} as const satisfies Record<string, Language>;
export type HumanEvalXSplit = keyof typeof HUMANEVAL_X_LANGUAGES;

/** One record of HumanEval-X (THUDM/CodeGeeX), e.g. `humaneval_cpp.jsonl.gz`. */
export const humanEvalXRecordSchema = z.object({
  task_id: z.string().min(1),
  prompt: z.string().min(1),
  canonical_solution: z.string(),
  test: z.string().min(1),
  /** The bare function header; tells this format apart. */
  declaration: z.string(),
  /** A test made of the docstring examples only (empty in a few records; `"None"` in Rust). */
  example_test: z.string().default(''),
  /** Go: the import block the prompt starts with (removed from it before assembly). */
  import: z.string().optional(),
  /** Go: `package main` and the test's imports, which start the program. */
  test_setup: z.string().optional(),
});
export type HumanEvalXRecord = z.infer<typeof humanEvalXRecordSchema>;

/**
 * upstream's `IMPORT_HELPER["python"]` (CodeGeeX `benchmark/utils.py`): the lines every Python
 * program starts with, numpy included.
 */
export const PYTHON_IMPORT_HELPER = [
  'import math',
  'import re',
  'import sys',
  'import copy',
  'import datetime',
  'import itertools',
  'import collections',
  'import heapq',
  'import statistics',
  'import functools',
  'import hashlib',
  'import numpy',
  'import numpy as np',
  'import string',
  'from typing import *',
  'from collections import *',
];

/** upstream's `IMPORT_HELPER["cpp"]`: each added unless the prompt already has that exact text. */
export const CPP_IMPORT_HELPER = [
  '#include<stdlib.h>',
  '#include<algorithm>',
  '#include<math.h>',
  '#include<stdio.h>',
  '#include<vector>',
  '#include<string>',
  '#include<climits>',
  '#include<cstring>',
  '#include<iostream>',
];

/** upstream's `IMPORT_HELPER["go"]`, in its order. */
export const GO_IMPORT_HELPER = ['math', 'strings', 'fmt', 'strconv', 'time', 'bytes', 'regexp', 'sort', 'math/rand', 'crypto/md5'];

/** What upstream puts before a Rust task's declaration: every task is a binary with an empty `main`. */
export const RUST_PROGRAM_HEAD = '\nfn main(){ \n } \n';

/**
 * The split a record belongs to, from its `task_id` prefix (`CPP/12` → `CPP`), or undefined when
 * the prefix names no split.
 */
export function humanEvalXSplit(taskId: string): HumanEvalXSplit | undefined {
  const prefix = taskId.slice(0, taskId.indexOf('/'));
  return Object.hasOwn(HUMANEVAL_X_LANGUAGES, prefix) ? (prefix as HumanEvalXSplit) : undefined;
}

/** The function a declaration introduces (`bool has_close_elements(vector<float> numbers, …){` → `has_close_elements`). */
export function declaredName(declaration: string, language: Language = 'javascript'): string | undefined {
  if (language === 'javascript') return /(?:function\s*\*?\s*|(?:const|let|var)\s+)([A-Za-z_$][\w$]*)/.exec(declaration)?.[1];
  if (language === 'python') return [...declaration.matchAll(/^def\s+([A-Za-z_]\w*)\s*\(/gm)].at(-1)?.[1];
  // The header is the declaration's last line that opens a parameter list, in column 0 (CPP/38's
  // declaration goes on into the body) or, for Java's methods, one level into the class.
  const headerLine = language === 'java' ? /^(?: {4}|\t)?[^\s/*#].*\(/ : /^[^\s/#].*\(/;
  const header = declaration.split('\n').findLast((line) => headerLine.test(line)) ?? '';
  if (language === 'go') return /func\s+([A-Za-z_]\w*)\s*[([]/.exec(header)?.[1];
  if (language === 'rust') return /fn\s+([A-Za-z_]\w*)\s*[(<]/.exec(header)?.[1];
  // C++ and Java: the name before the header's first `(`.
  return /([A-Za-z_]\w*)\s*\(/.exec(header)?.[1];
}

/** The fields every split shares; each split's builder adds its own. */
function baseTask(record: HumanEvalXRecord, language: Language, entryPoint: string | undefined): Pick<TaskInput, 'id' | 'prompt' | 'language' | 'reference' | 'tags' | 'entryPoint' | 'metadata'> {
  return {
    id: record.task_id,
    prompt: record.prompt,
    language,
    ...(entryPoint === undefined ? {} : { entryPoint }),
    reference: record.canonical_solution,
    tags: ['humaneval-x', language],
    metadata: { source: 'THUDM/CodeGeeX humaneval-x', declaration: record.declaration, exampleTest: record.example_test },
  };
}

/**
 * One split's task, assembled as upstream's `process_humaneval_test` builds the program and
 * judged as its `check_correctness` judges the run (see each split's SOURCE.md):
 * - JavaScript: `prompt + completion + "\n" + test` with `node`; any output fails the sample
 *   (`console.assert` prints and carries on), hence `exit-zero-silent`.
 * - Python: the 16 helper imports (numpy among them), `"\n"`, the prompt, the completion cut
 *   before its first top-level line, `"\n" + test + "\n"`; passes when it runs to its end.
 * - C++: the helper includes the prompt lacks, `"\n"`, the prompt, the completion, `"\n" + test`,
 *   compiled with `g++ -std=c++11` (`-lcrypto -lssl` for task 162); passes on exit 0.
 * - Java: `prompt + completion + "\n" + test` as `Main.java`, `javac` then `java Main` (no -ea).
 * - Go: `test_setup`, the imports the completion uses, the prompt without its imports, the
 *   completion, `"\n" + test`, as `main_test.go` run by `go test` inside the vendored module.
 * - Rust: an empty `main`, the declaration, the prompt, the completion, the test, built with
 *   `--test` against rand 0.4, regex and md5; passes when the test binary exits 0.
 */
function splitTask(record: HumanEvalXRecord, split: HumanEvalXSplit, location: RecordLocation): TaskInput {
  const language = HUMANEVAL_X_LANGUAGES[split];
  const base = baseTask(record, language, declaredName(record.declaration, language));
  const runLimits = { timeoutMs: HUMANEVAL_X_TIMEOUT_MS };
  switch (split) {
    case 'JavaScript':
      return {
        ...base,
        codePrefix: record.prompt,
        tests: [{ kind: 'program', code: `\n${record.test}`, passWhen: 'exit-zero-silent' }],
        limits: { run: runLimits },
      };
    case 'Python':
      return {
        ...base,
        codePrefix: `${PYTHON_IMPORT_HELPER.join('\n')}\n${record.prompt}`,
        completionCut: 'python-top-level',
        tests: [{ kind: 'program', code: `\n${record.test}\n`, passWhen: 'exit-zero' }],
        limits: { run: { ...runLimits, cpuTimeMs: HUMANEVAL_X_TIMEOUT_MS } },
      };
    case 'CPP': {
      const preamble = CPP_IMPORT_HELPER.filter((line) => !record.prompt.includes(line))
        .map((line) => `${line}\n`)
        .join('');
      return {
        ...base,
        codePrefix: `${preamble}\n${record.prompt}`,
        tests: [{ kind: 'program', code: `\n${record.test}`, passWhen: 'exit-zero' }],
        // Upstream appends `-lcrypto -lssl` when the task id contains "162".
        runtimeVariant: record.task_id.includes('162') ? 'humaneval-x-crypto' : 'humaneval-x',
        limits: { run: runLimits },
      };
    }
    case 'Java':
      return {
        ...base,
        codePrefix: record.prompt,
        tests: [{ kind: 'program', code: `\n${record.test}`, passWhen: 'exit-zero' }],
        limits: { run: runLimits },
      };
    case 'Go': {
      if (record.test_setup === undefined) throw datasetError(location, 'test_setup: a Go record needs its test_setup (package clause and imports)');
      const imports = record.import ?? '';
      return {
        ...base,
        codePrefix: imports === '' ? record.prompt : record.prompt.split(imports).join(''),
        importHelper: { header: record.test_setup, packages: GO_IMPORT_HELPER },
        tests: [{ kind: 'program', code: `\n${record.test}`, passWhen: 'exit-zero' }],
        runtimeVariant: 'humaneval-x',
        limits: { run: runLimits },
      };
    }
    case 'Rust':
      return {
        ...base,
        codePrefix: `${RUST_PROGRAM_HEAD}${record.declaration}${record.prompt}`,
        tests: [{ kind: 'program', code: record.test, passWhen: 'exit-zero' }],
        runtimeVariant: 'humaneval-x',
        limits: { run: runLimits },
      };
  }
}

/**
 * One HumanEval-X record → a task in the language its `task_id` prefix names. A record whose
 * prefix names no split is refused (never run as another language).
 */
export function humanEvalXTask(value: unknown, location: RecordLocation): Task {
  const record = parseRecord(humanEvalXRecordSchema, location, value);
  const split = humanEvalXSplit(record.task_id);
  if (split === undefined) {
    throw datasetError(
      location,
      `task_id '${record.task_id}': cannot tell the language (HumanEval-X ids start with ${Object.keys(HUMANEVAL_X_LANGUAGES)
        .map((prefix) => `${prefix}/`)
        .join(', ')})`,
      { field: 'task_id' },
    );
  }
  return finishTask(location, splitTask(record, split, location));
}

/** Convert HumanEval-X records (any split, told apart per record by the task_id prefix) to tasks. */
export function importHumanEvalX(records: readonly JsonlRecord[], file: string): Task[] {
  return convertRecords(records, file, 'task_id', humanEvalXTask);
}
