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

describe('completion marker', () => {
  it('ends program tests with a statement printing the marker, per language', () => {
    const python = assembleProgram(task, '    return 1', task.tests[0]!, '__m__');
    expect(python.source).toBe('def f():\n    return 1\nassert f() == 1\nprint("__m__", flush=True)\n');
    expect(python.completionMarker).toBe('__m__');
    const js = taskSchema.parse({ id: 'j', prompt: 'p', language: 'javascript', tests: [{ kind: 'program', code: 'check()' }] });
    expect(assembleProgram(js, 'function check() {}', js.tests[0]!, '__m__').source).toBe('function check() {}\ncheck()\nconsole.log("__m__");\n');
  });

  it('adds none to I/O tests or to C, whose tests cannot end with a statement', () => {
    expect(assembleProgram(task, 'x', task.tests[2]!, '__m__').completionMarker).toBeUndefined();
    const c = taskSchema.parse({ id: 'c', prompt: 'p', language: 'c', tests: [{ kind: 'program', code: 'int main(void) { return 0; }' }] });
    const program = assembleProgram(c, '', c.tests[0]!, '__m__');
    expect(program.completionMarker).toBeUndefined();
    expect(program.source).toBe('int main(void) { return 0; }');
  });
});
