import { describe, expect, it } from 'vitest';
import { assembleProgram } from '../../src/harness/assemble-program.ts';
import { taskSchema } from '../../src/schemas/task.ts';

const task = taskSchema.parse({
  id: 't',
  prompt: 'p',
  language: 'python',
  codePrefix: 'def f():\n',
  tests: [
    { kind: 'program', code: '\nassert f() == 1\n' },
    { kind: 'program', code: 'assert f() == 1\n' },
    { kind: 'io', stdin: 'in', stdout: 'out' },
  ],
});

describe('assembleProgram', () => {
  it('concatenates prefix, completion and test code exactly when the test supplies its newline', () => {
    expect(assembleProgram(task, '    return 1', task.tests[0]!).source).toBe('def f():\n    return 1\nassert f() == 1\n');
  });

  it('adds a newline only where neither side has one', () => {
    expect(assembleProgram(task, '    return 1', task.tests[1]!).source).toBe('def f():\n    return 1\nassert f() == 1\n');
    expect(assembleProgram(task, '    return 1\n', task.tests[1]!).source).toBe('def f():\n    return 1\nassert f() == 1\n');
  });

  it('runs prefix + completion with the test stdin for I/O tests', () => {
    expect(assembleProgram(task, '    return 1\n', task.tests[2]!)).toEqual({ source: 'def f():\n    return 1\n', stdin: 'in' });
  });
});
