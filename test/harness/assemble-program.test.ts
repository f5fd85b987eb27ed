import { describe, expect, it } from 'vitest';
import { assembleProgram } from '../../src/harness/assemble-program.ts';
import { appendCompletionMarker, takeCompletionMarker } from '../../src/sandboxes/completion-marker.ts';
import { joinProgram } from '../../src/sandboxes/sandbox.ts';
import { emptyExecutionResult } from '../../src/schemas/execution-result.ts';
import { taskSchema } from '../../src/schemas/task.ts';
import { programText } from '../helpers/program-text.ts';

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
  it('keeps the program and the test code apart', () => {
    expect(assembleProgram(task, '    return 1', task.tests[0]!)).toEqual({ source: 'def f():\n    return 1', testCode: '\nassert f() == 1\n', stdin: '' });
  });

  it('joins them exactly when the test supplies its newline', () => {
    expect(programText(assembleProgram(task, '    return 1', task.tests[0]!))).toBe('def f():\n    return 1\nassert f() == 1\n');
  });

  it('adds a newline only where neither side has one', () => {
    expect(programText(assembleProgram(task, '    return 1', task.tests[1]!))).toBe('def f():\n    return 1\nassert f() == 1\n');
    expect(programText(assembleProgram(task, '    return 1\n', task.tests[1]!))).toBe('def f():\n    return 1\nassert f() == 1\n');
    expect(joinProgram('a', 'b')).toEqual({ text: 'a\nb', testOffset: 2 });
    expect(joinProgram('', 'b')).toEqual({ text: 'b', testOffset: 0 });
  });

  it('runs prefix + completion with the test stdin for I/O tests', () => {
    expect(assembleProgram(task, '    return 1\n', task.tests[2]!)).toEqual({ source: 'def f():\n    return 1\n', stdin: 'in' });
  });
});

describe('completion marker (process backends)', () => {
  it('ends the program with a statement printing a fresh marker, per language', () => {
    const python = appendCompletionMarker('python', 'x = 1', 'assert x == 1');
    expect(python.marker).toMatch(/^__sandbench_done_[0-9a-f]{18}__$/);
    expect(python.text).toBe(`x = 1\nassert x == 1\nprint("${python.marker}", flush=True)\n`);
    expect(appendCompletionMarker('python', 'x = 1', 'pass').marker).not.toBe(python.marker);
  });

  it('adds none without test code, or to C, whose tests cannot end with a statement', () => {
    expect(appendCompletionMarker('python', 'x', undefined)).toEqual({ text: 'x' });
    expect(appendCompletionMarker('c', '', 'int main(void) { return 0; }')).toEqual({ text: 'int main(void) { return 0; }' });
  });

  it('counts the test as completed only when the marker is the last stdout line, and removes it', () => {
    const ran = (stdout: string) => ({ ...emptyExecutionResult('docker', 'ok', ''), stdout });
    expect(takeCompletionMarker(ran('out\n__m__\n'), '__m__')).toMatchObject({ stdout: 'out\n', testCompleted: true });
    expect(takeCompletionMarker(ran('__m__\nlater\n'), '__m__')).toMatchObject({ stdout: '__m__\nlater\n', testCompleted: false });
    expect(takeCompletionMarker(ran(''), '__m__').testCompleted).toBe(false);
    expect(takeCompletionMarker(ran('x'), undefined).testCompleted).toBeUndefined();
  });
});
