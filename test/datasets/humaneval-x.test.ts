import { describe, expect, it } from 'vitest';
import { declaredName } from '../../src/datasets/humaneval-x.ts';
import { loadDataset } from '../../src/datasets/load-dataset.ts';
import { assembleProgram } from '../../src/harness/assemble-program.ts';
import { programText } from '../helpers/program-text.ts';
import { extractCode } from '../../src/models/extract-code.ts';
import { datasets } from '../helpers/paths.ts';
import { rawRecords, type RawHumanEvalRecord } from './raw-records.ts';

describe('HumanEval-X JavaScript importer (real data)', () => {
  it('imports 164 JavaScript tasks with silent program tests', async () => {
    const dataset = await loadDataset(datasets.humanevalXJs);
    expect(dataset.format).toBe('humaneval-x');
    expect(dataset.name).toBe('humaneval_js');
    expect(dataset.tasks.map((task) => task.id)).toEqual(Array.from({ length: 164 }, (_, index) => `JavaScript/${index}`));
    for (const task of dataset.tasks) {
      expect(task.language).toBe('javascript');
      expect(task.codePrefix).toBe(task.prompt);
      expect(task.tests[0]).toMatchObject({ kind: 'program', passWhen: 'exit-zero-silent' });
      expect(task.entryPoint).toBeTruthy();
    }
    expect(dataset.tasks[0]!.entryPoint).toBe('hasCloseElements');
  });

  it("assembles upstream's program: prompt + completion + \\n + test", async () => {
    const raw = rawRecords<RawHumanEvalRecord>(datasets.humanevalXJs);
    const { tasks } = await loadDataset(datasets.humanevalXJs);
    tasks.forEach((task, index) => {
      const record = raw[index]!;
      expect(task.reference).toBe(record.canonical_solution);
      expect(programText(assembleProgram(task, task.reference!, task.tests[0]!))).toBe(record.prompt + record.canonical_solution + '\n' + record.test);
      expect(extractCode(task.reference!, 'javascript')).toBe(task.reference);
    });
  });

  it('finds declared names', () => {
    expect(declaredName('\nconst hasCloseElements = (numbers, threshold) => {\n')).toBe('hasCloseElements');
    expect(declaredName('function* gen(a) {')).toBe('gen');
    expect(declaredName('() => {')).toBeUndefined();
  });
});
