import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectDatasetFormat, loadDataset } from '../../src/datasets/load-dataset.ts';
import { MXEVAL_LANGUAGES_NOT_RUN, MXEVAL_TIMEOUT_MS } from '../../src/datasets/mxeval.ts';
import { assembleProgram } from '../../src/harness/assemble-program.ts';
import { profileVariant, runtimeProfile } from '../../src/runtimes/runtime-profiles.ts';
import { MXEVAL_FIXTURES, mxevalFixture as fixturePath } from '../helpers/mxeval-fixtures.ts';
import { programText } from '../helpers/program-text.ts';
import { rawRecords } from './raw-records.ts';

interface RawMxevalRecord {
  task_id: string;
  prompt: string;
  test: string;
  entry_point: string;
  language: string;
  canonical_solution?: string | null;
}

/**
 * The program mxeval's `check_correctness_<language>` writes to its file, rebuilt here from
 * upstream's rules (mxeval/execution.py), not from the importer: `prompt + completion + test`,
 * and for Python `+ "\ncheck(" + entry_point + ")"`.
 */
function upstreamProgram(record: RawMxevalRecord, completion: string): string {
  const program = record.prompt + completion + record.test;
  return record.language === 'python' ? `${program}\ncheck(${record.entry_point})` : program;
}

describe('mxeval importer: every language sandbench runs, from its record', () => {
  it.each(MXEVAL_FIXTURES)('$language: detected as mbxp, and read the same with --format mbxp', async ({ language, file, ids }) => {
    const path = fixturePath(file);
    expect(detectDatasetFormat(rawRecords(path)[0])).toBe('mbxp');
    const detected = await loadDataset(path);
    const forced = await loadDataset(path, { format: 'mbxp' });
    expect(detected.format).toBe('mbxp');
    expect(forced.tasks).toEqual(detected.tasks);
    expect(detected.tasks.map((task) => task.id)).toEqual(ids);
    for (const task of detected.tasks) {
      expect(task.language).toBe(language);
      expect(task.tags).toEqual(['mbxp', language]);
      expect(task.tests).toEqual([expect.objectContaining({ kind: 'program', passWhen: 'exit-zero' })]);
      expect(task.limits?.run?.timeoutMs).toBe(MXEVAL_TIMEOUT_MS);
      expect(task.reference).toBeDefined();
      // Java and C++ compile as mxeval does (the `mxeval` variant); the others as their runtime does.
      expect(task.runtimeVariant).toBe(language === 'java' || language === 'cpp' ? 'mxeval' : undefined);
      if (language === 'typescript') expect(task.typescript).toEqual({ target: 'es5', module: 'commonjs', emitOnError: true });
      if (language === 'python') expect(task.limits?.run?.cpuTimeMs).toBe(MXEVAL_TIMEOUT_MS);
    }
  });

  it.each(MXEVAL_FIXTURES)("$language: the program is byte for byte the one mxeval writes", async ({ file }) => {
    const path = fixturePath(file);
    const raw = rawRecords<RawMxevalRecord>(path);
    const { tasks } = await loadDataset(path);
    tasks.forEach((task, index) => {
      const record = raw[index]!;
      // The reference, nothing, an answer without a final newline, one with odd whitespace.
      for (const completion of [record.canonical_solution ?? '', '', '  return 0', '\t\n  x = 1;  \n\n']) {
        const program = programText(assembleProgram(task, completion, task.tests[0]!, 'exact'));
        expect(program, `${task.id} ${JSON.stringify(completion)}`).toBe(upstreamProgram(record, completion));
      }
    });
  });

  it("runs each language with mxeval's file name, compile and run commands", () => {
    // check_correctness_java: `main.java` in a fresh folder, `javac <file>`, `java -cp <folder> Main` (no -ea).
    const java = profileVariant(runtimeProfile('java'), 'mxeval');
    expect(java.sourceFile).toBe('main.java');
    expect(java.compile!.command[0]).toBe('javac');
    expect(java.compile!.command.at(-1)).toBe('main.java');
    expect(java.run.command.slice(-3)).toEqual(['-cp', '.', 'Main']);
    expect(java.run.command).not.toContain('-ea');
    expect(java.compile!.limits?.timeoutMs).toBe(100_000);
    // check_correctness_cpp: `g++ <name>.cpp -o <name>_cpp` (no -std, no -O), then `./<name>_cpp`.
    const cpp = profileVariant(runtimeProfile('cpp'), 'mxeval');
    expect(cpp.compile!.command).toEqual(['g++', 'main.cpp', '-o', 'main_cpp']);
    expect(cpp.run.command).toEqual(['./main_cpp']);
    expect(cpp.sourceFile).toBe('main.cpp');
    // check_correctness_go: `go run <file>.go`, which is `go build` and running the binary.
    const go = runtimeProfile('go');
    expect(go.compile!.command.join(' ')).toMatch(/go build -o main main\.go$/);
    expect(go.run.command).toEqual(['./main']);
    // check_correctness_python / _javascript: the interpreter on the file.
    expect(runtimeProfile('python').run.command).toEqual(['python3', 'main.py']);
    expect(runtimeProfile('javascript').run.command).toEqual(['node', 'main.js']);
  });
});

describe('mxeval importer: languages sandbench does not run are refused, never run as another language', () => {
  async function load(records: unknown[]): Promise<Error> {
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-mxeval-'));
    const path = join(folder, 'mixed.jsonl');
    await writeFile(path, records.map((record) => JSON.stringify(record)).join('\n') + '\n');
    return loadDataset(path).then(
      () => new Error('loaded'),
      (error: Error) => error,
    );
  }
  const good = rawRecords(fixturePath('mbjsp-javascript.jsonl'))[0]!;

  it.each(MXEVAL_LANGUAGES_NOT_RUN)('%s: names the file, line, task id and language', async (language) => {
    const error = await load([good, { ...good, task_id: 'MBXX/7', language }]);
    expect(error.message).toMatch(new RegExp(`mixed\\.jsonl:2 \\(MBXX/7\\): language '${language}': sandbench does not run ${language} \\(it runs these mxeval languages: python, javascript, typescript, java, go, cpp\\)$`));
    expect(error).toMatchObject({ code: 'dataset', details: { line: 2, taskId: 'MBXX/7', language } });
  });

  it('a language mxeval does not have either, and a Python entry point that is not an identifier', async () => {
    expect((await load([{ ...good, language: 'JavaScript' }])).message).toMatch(/mixed\.jsonl:1 \(MBJSP\/1\): language 'JavaScript' is not an mxeval language sandbench runs/);
    const python = rawRecords(fixturePath('mbpp-python.jsonl'))[0]!;
    expect((await load([{ ...python, entry_point: 'f); import os; (' }])).message).toMatch(/mixed\.jsonl:1 \(MBPP\/1\): entry_point: expected a Python identifier$/);
  });
});
