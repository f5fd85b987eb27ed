import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/datasets/load-dataset.ts';
import { assembleProgram } from '../../src/harness/assemble-program.ts';
import type { Task } from '../../src/schemas/task.ts';
import { datasets } from '../helpers/paths.ts';
import { programText } from '../helpers/program-text.ts';
import { runCli } from '../helpers/run-cli.ts';
import { rawRecords } from './raw-records.ts';

// Each split's program, built here from the raw records by the rules its SOURCE.md quotes from
// upstream's `process_humaneval_test`, written apart from the importer.

interface RawRecord {
  task_id: string;
  prompt: string;
  canonical_solution: string;
  test: string;
  declaration: string;
  import?: string;
  test_setup?: string;
}

const PYTHON_HELPER =
  'import math\nimport re\nimport sys\nimport copy\nimport datetime\nimport itertools\nimport collections\nimport heapq\n' +
  'import statistics\nimport functools\nimport hashlib\nimport numpy\nimport numpy as np\nimport string\nfrom typing import *\nfrom collections import *';
const CPP_HELPER = ['#include<stdlib.h>', '#include<algorithm>', '#include<math.h>', '#include<stdio.h>', '#include<vector>', '#include<string>', '#include<climits>', '#include<cstring>', '#include<iostream>'];
const GO_HELPER = ['math', 'strings', 'fmt', 'strconv', 'time', 'bytes', 'regexp', 'sort', 'math/rand', 'crypto/md5'];

function upstreamProgram(split: string, record: RawRecord, completion: string): string {
  switch (split) {
    case 'python': {
      const kept: string[] = [];
      for (const line of completion.split('\n')) {
        if (line.trim().length > 0 && line[0] !== ' ' && line[0] !== '\t') break;
        kept.push(line);
      }
      return `${PYTHON_HELPER}\n${record.prompt}${kept.join('\n')}\n${record.test}\n`;
    }
    case 'cpp': {
      let preamble = '';
      for (const line of CPP_HELPER) if (!record.prompt.includes(line)) preamble += `${line}\n`;
      return `${preamble}\n${record.prompt}${completion}\n${record.test}`;
    }
    case 'java':
      return `${record.prompt}${completion}\n${record.test}`;
    case 'go': {
      const prompt = record.import ? record.prompt.replaceAll(record.import, '') : record.prompt;
      const extra = GO_HELPER.filter((path) => !record.test_setup!.includes(path) && completion.includes(`${path.split('/').pop()}.`));
      const block = extra.length === 0 ? '' : `import (\n${extra.map((path) => `"${path}"\n`).join('    ')})\n`;
      return `${record.test_setup}\n${block}${prompt}${completion}\n${record.test}`;
    }
    case 'rust':
      return `\nfn main(){ \n } \n${record.declaration}${record.prompt}${completion}${record.test}`;
    default:
      throw new Error(split);
  }
}

const SPLITS = [
  { split: 'cpp', prefix: 'CPP', file: datasets.humanevalXCpp, name: 'humaneval_cpp', entry: 'has_close_elements' },
  { split: 'python', prefix: 'Python', file: datasets.humanevalXPython, name: 'humaneval_python', entry: 'has_close_elements' },
  { split: 'java', prefix: 'Java', file: datasets.humanevalXJava, name: 'humaneval_java', entry: 'hasCloseElements' },
  { split: 'go', prefix: 'Go', file: datasets.humanevalXGo, name: 'humaneval_go', entry: 'HasCloseElements' },
  { split: 'rust', prefix: 'Rust', file: datasets.humanevalXRust, name: 'humaneval_rust', entry: 'has_close_elements' },
] as const;

describe.each(SPLITS)('HumanEval-X $prefix split (real data)', ({ split, prefix, file, name, entry }) => {
  it(`imports 164 ${split} tasks, the language taken from the task_id`, async () => {
    const dataset = await loadDataset(file);
    expect(dataset).toMatchObject({ format: 'humaneval-x', name });
    expect(dataset.tasks.map((task) => task.id)).toEqual(Array.from({ length: 164 }, (_, index) => `${prefix}/${index}`));
    for (const task of dataset.tasks) {
      expect(task.language).toBe(split);
      expect(task.tests).toHaveLength(1);
      expect(task.tests[0]).toMatchObject({ kind: 'program', passWhen: 'exit-zero' });
      expect(task.entryPoint).toMatch(/^[A-Za-z_]\w*$/);
    }
    expect(dataset.tasks[0]!.entryPoint).toBe(entry);
  });

  it("assembles upstream's program for every reference and for a different completion", async () => {
    const raw = rawRecords<RawRecord>(file);
    const { tasks } = await loadDataset(file);
    tasks.forEach((task: Task, index) => {
      const record = raw[index]!;
      expect(task.reference).toBe(record.canonical_solution);
      expect(programText(assembleProgram(task, task.reference!, task.tests[0]!, 'exact'))).toBe(upstreamProgram(split, record, record.canonical_solution));
    });
    // A completion that uses other packages and goes on past the function at top level.
    const other = '    x = strings.Split(fmt.Sprint(1), "")\n    return x\n}\nfunc helper() {}\nprint(1)\n';
    for (const index of [0, 38, 53, 162]) {
      expect(programText(assembleProgram(tasks[index]!, other, tasks[index]!.tests[0]!, 'exact'))).toBe(upstreamProgram(split, raw[index]!, other));
    }
  });
});

describe('HumanEval-X language per record', () => {
  it('gives C++ task 162 the OpenSSL link flags and the others the plain upstream compile', async () => {
    const { tasks } = await loadDataset(datasets.humanevalXCpp);
    expect(tasks.filter((task) => task.runtimeVariant === 'humaneval-x-crypto').map((task) => task.id)).toEqual(['CPP/162']);
    expect(tasks.filter((task) => task.runtimeVariant === 'humaneval-x')).toHaveLength(163);
  });

  it('refuses a record whose language cannot be told, naming file, line and id (exit 2 from the CLI)', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-hx-'));
    const records = rawRecords<RawRecord>(datasets.humanevalXCpp).slice(0, 3);
    records[2] = { ...records[2]!, task_id: 'Kotlin/2' };
    const path = join(folder, 'mixed.jsonl');
    await writeFile(path, records.map((record) => JSON.stringify(record)).join('\n') + '\n');
    await expect(loadDataset(path)).rejects.toThrow(/mixed\.jsonl:3 \(Kotlin\/2\): task_id 'Kotlin\/2': cannot tell the language \(HumanEval-X ids start with CPP\/, Java\/, Go\/, Rust\/, Python\/, JavaScript\/\)/);
    const cli = await runCli(['validate', path]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/mixed\.jsonl:3 \(Kotlin\/2\).*cannot tell the language/);
  });

  it('takes each record of a mixed file in its own language', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-hx-'));
    const path = join(folder, 'mixed.jsonl');
    const mixed = [rawRecords(datasets.humanevalXCpp)[0], rawRecords(datasets.humanevalXJs)[1], rawRecords(datasets.humanevalXRust)[2]];
    await writeFile(path, mixed.map((record) => JSON.stringify(record)).join('\n') + '\n');
    const { tasks } = await loadDataset(path);
    expect(tasks.map((task) => task.language)).toEqual(['cpp', 'javascript', 'rust']);
  });
});
