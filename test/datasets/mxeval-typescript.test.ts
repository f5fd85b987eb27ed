// mxeval's TypeScript split (multilingual HumanEval), the real file from ../shared/data.
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/datasets/load-dataset.ts';
import { assembleProgram } from '../../src/harness/assemble-program.ts';
import { programText } from '../helpers/program-text.ts';
import { datasets } from '../helpers/paths.ts';
import { rawRecords, type RawHumanEvalRecord } from './raw-records.ts';

describe('MBXP TypeScript importer (real data)', () => {
  it('imports 161 TypeScript tasks, transpiled to ES5 / CommonJS, with no reference', async () => {
    const dataset = await loadDataset(datasets.mbxpTypescript);
    expect(dataset.format).toBe('mbxp');
    expect(dataset.name).toBe('HumanEval_typescript_v1');
    expect(dataset.tasks).toHaveLength(161);
    const numbers = dataset.tasks.map((task) => Number(task.id.split('/')[1]));
    expect(numbers.filter((n) => [32, 38, 50].includes(n))).toEqual([]);
    for (const task of dataset.tasks) {
      expect(task.id.startsWith('HumanEval_typescript/')).toBe(true);
      expect(task.language).toBe('typescript');
      expect(task.typescript).toEqual({ target: 'es5', module: 'commonjs', emitOnError: true });
      expect(task.codePrefix).toBe(task.prompt);
      // canonical_solution is empty upstream: no reference, not an empty one.
      expect('reference' in task).toBe(false);
      expect(task.tests[0]).toMatchObject({ kind: 'program', passWhen: 'exit-zero' });
    }
    expect(dataset.tasks[0]!.entryPoint).toBe('has_close_elements');
    expect(dataset.tasks.find((task) => task.id === 'HumanEval_typescript/142')!.metadata.description).toBe('');
  });

  it("assembles upstream's program: prompt + completion + test", async () => {
    const raw = rawRecords<RawHumanEvalRecord>(datasets.mbxpTypescript);
    const { tasks } = await loadDataset(datasets.mbxpTypescript);
    const completion = '  return undefined as any;\n};\n';
    tasks.forEach((task, index) => {
      const record = raw[index]!;
      expect(programText(assembleProgram(task, completion, task.tests[0]!))).toBe(record.prompt + completion + record.test);
    });
  });
});

describe('MBXP TypeScript: emit despite diagnostics, as upstream tsc does', () => {
  it('runs a completion with a syntax diagnostic that tsc still emits (an octal literal, a stray brace), and it passes', async () => {
    const { IsolateSandbox } = await import('../../src/sandboxes/isolate-sandbox.ts');
    const { scoreCompletion } = await import('../../src/harness/score-completion.ts');
    const { tasks } = await loadDataset(datasets.mbxpTypescript);
    const task = tasks.find((candidate) => candidate.id === 'HumanEval_typescript/0')!;
    expect(task.typescript).toEqual({ target: 'es5', module: 'commonjs', emitOnError: true });
    // tsc reports TS1121 (octal literal) and TS1128 (stray `}`) and still emits runnable code.
    const completion =
      '  let zero = 00;\n  for (let i = 0; i < numbers.length; i++)\n    for (let j = i + 1; j < numbers.length; j++)\n' +
      '      if (Math.abs(numbers[i] - numbers[j]) < threshold) return true;\n  return zero !== 0;\n};\n}\n';
    const sandbox = new IsolateSandbox();
    try {
      const score = await scoreCompletion(task, completion, sandbox, { assembly: 'exact' });
      expect(score.verdicts[0]).toMatchObject({ verdict: 'passed' });
      const wrong = await scoreCompletion(task, '  return 010 === 8 ? false : true;\n};\n', sandbox, { assembly: 'exact' });
      expect(wrong.verdicts[0]).toMatchObject({ verdict: 'runtime-error' });
    } finally {
      await sandbox.dispose();
    }
  });
});
