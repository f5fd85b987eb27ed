import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src/datasets/load-dataset.ts';
import { programSource } from '../../../src/harness/assemble-program.ts';
import { completionFromResponse, fitCompletion } from '../../../src/harness/fit-completion.ts';
import { taskSchema, type TaskInput } from '../../../src/schemas/task.ts';
import { datasets } from '../../helpers/paths.ts';

const pythonTask = (overrides: Partial<TaskInput> = {}) =>
  taskSchema.parse({
    id: 'py',
    prompt: 'p',
    language: 'python',
    codePrefix: 'import math\n\n\ndef area(radius: float) -> float:\n    """Area of a circle."""\n',
    tests: [{ kind: 'program', code: '\nassert area(1) == math.pi\n' }],
    ...overrides,
  });

const scriptTask = (overrides: Partial<TaskInput> = {}) =>
  taskSchema.parse({
    id: 'js',
    prompt: 'p',
    language: 'javascript',
    codePrefix: '/* Double it. */\nconst double = (value) => {\n',
    tests: [{ kind: 'program', code: 'console.assert(double(2) === 4)\n', passWhen: 'exit-zero-silent' }],
    ...overrides,
  });

describe('completionFromResponse: styles', () => {
  it('continuation style uses a raw answer as is, whatever its shape', () => {
    const task = pythonTask();
    for (const raw of ['return 1\n', 'def area(r):\n    return 1\nprint(area(2))\n', '  x = 1\n']) {
      expect(completionFromResponse(task, raw, 'continuation')).toBe(raw);
    }
    expect(completionFromResponse(task, 'Here:\n```python\n    return 1\n```', 'continuation')).toBe('    return 1');
  });

  it('chat style leaves every HumanEval and HumanEval-X reference (a continuation) byte for byte as it is', async () => {
    for (const file of [datasets.humaneval, datasets.humanevalXJs]) {
      const { tasks } = await loadDataset(file);
      const changed = tasks.filter((task) => completionFromResponse(task, task.reference!, 'chat') !== task.reference).map((task) => task.id);
      expect(changed).toEqual([]);
    }
  });
});

describe('fitCompletion: Python', () => {
  it('drops __main__ blocks, top-level prints, asserts, entry-point calls and loops of them; keeps everything else', () => {
    const answer = [
      'import math',
      'import sys',
      'sys.setrecursionlimit(10_000)',
      'SCALE = 1.0',
      '',
      'def area(radius: float) -> float:',
      '    return SCALE * math.pi * radius ** 2',
      '',
      'print(area(',
      '    2,',
      '))',
      'assert area(0) == 0',
      'area(3)',
      'for radius in [1, 2]:',
      '    print(area(radius))',
      "if __name__ == '__main__':",
      '    import doctest',
      '    doctest.testmod()',
      'if (__name__ == "__main__"): print(area(1))',
      'print(area(1)); SCALE = 2.0',
    ].join('\n');
    expect(fitCompletion(pythonTask(), answer)).toBe(
      ['import math', 'import sys', 'sys.setrecursionlimit(10_000)', 'SCALE = 1.0', '', 'def area(radius: float) -> float:', '    return SCALE * math.pi * radius ** 2', '', 'print(area(1)); SCALE = 2.0'].join('\n'),
    );
  });

  it('keeps the example usage when I/O tests judge the program (the prints are its output)', () => {
    const task = pythonTask({ tests: [{ kind: 'io', stdin: '', stdout: '3.14' }] });
    const answer = 'def area(radius):\n    return 3.14 * radius ** 2\n\nprint(area(1))\n';
    expect(fitCompletion(task, answer)).toBe(answer);
  });

  it('reads strings, brackets and comments as Python does: a def inside a docstring is not a definition', () => {
    const task = pythonTask();
    const body = 'text = """\ndef area(radius):\n    return 0\n"""  # def area(x)\nreturn len(text)\n';
    // Not a whole function: a body, indented to the function's level except inside the string.
    expect(fitCompletion(task, body)).toBe('    text = """\ndef area(radius):\n    return 0\n"""  # def area(x)\n    return len(text)\n');
  });

  it('re-indents a body to the prefix body level, from flush left or from deeper', () => {
    const task = pythonTask({ codePrefix: 'def area(radius):\n\t"""Tab-indented."""\n' });
    expect(fitCompletion(task, 'if radius < 0:\n    return 0\nreturn radius')).toBe('\tif radius < 0:\n\t    return 0\n\treturn radius');
    expect(fitCompletion(pythonTask(), '        if radius < 0:\n            return 0\n        return radius')).toBe('    if radius < 0:\n        return 0\n    return radius');
  });

  it('never hides the answer: a wrong function stays the function that runs', () => {
    const task = pythonTask();
    const fitted = completionFromResponse(task, '```python\ndef area(radius):\n    return -1\n\nprint(area(2))\n```', 'chat');
    expect(fitted).toBe('def area(radius):\n    return -1\n');
    expect(programSource(task, fitted)).toBe('import math\n\n\ndef area(radius):\n    return -1\n');
  });

  it('a cut inside the function stays cut; a cut inside trailing usage loses that statement only', () => {
    const task = pythonTask();
    expect(fitCompletion(task, 'def area(radius):\n    return (radius *')).toBe('def area(radius):\n    return (radius *');
    expect(fitCompletion(task, 'def area(radius):\n    return radius\nprint(area([1,')).toBe('def area(radius):\n    return radius');
  });
});

describe('fitCompletion: JavaScript and TypeScript', () => {
  it('drops console calls, entry-point calls, require.main blocks and loops of them at top level', () => {
    const answer = [
      "const assert = require('assert');",
      'function double(value) {',
      '  console.log(value);',
      '  return value * 2;',
      '}',
      '// Example',
      'console.log(',
      '  double(2),',
      ');',
      'double(3);',
      'for (const value of [1, 2]) { console.log(double(value)); }',
      'if (require.main === module) {',
      '  console.log(double(4));',
      '}',
      'module.exports = { double };',
    ].join('\n');
    expect(fitCompletion(scriptTask(), answer)).toBe(
      ["const assert = require('assert');", 'function double(value) {', '  console.log(value);', '  return value * 2;', '}', 'module.exports = { double };'].join('\n'),
    );
  });

  it('keeps the later of two lexical declarations of a name (two versions of the function)', () => {
    const answer = 'const double = (value) => value + value;\nconst double = (value) => value * 2;\n';
    expect(fitCompletion(scriptTask(), answer)).toBe('\nconst double = (value) => value * 2;\n');
    // Two `function` declarations are legal JavaScript (the later wins at run time): left as they are.
    const functions = 'function double(value) { return 0; }\nfunction double(value) { return value * 2; }\n';
    expect(fitCompletion(scriptTask(), functions)).toBe(functions);
  });

  it('closes a body that leaves the function open, only when that makes it parse', () => {
    expect(fitCompletion(scriptTask(), '  return value * 2;')).toBe('  return value * 2;\n}\n');
    expect(fitCompletion(scriptTask(), '  return value * 2;\n};\n')).toBe('  return value * 2;\n};\n');
    expect(fitCompletion(scriptTask(), '  return (value * ')).toBe('  return (value * ');
  });

  it('keeps console output of a program judged by I/O tests', () => {
    const task = scriptTask({ codePrefix: '', entryPoint: 'double', tests: [{ kind: 'io', stdin: '', stdout: '4' }] });
    const answer = 'const double = (value) => value * 2;\nconsole.log(double(2));\n';
    expect(fitCompletion(task, answer)).toBe(answer);
  });

  it('puts an answer that declares the entry point after the prefix head, without the head declarations it repeats', () => {
    const task = scriptTask({ codePrefix: "const helper = (x) => x;\nconst other = 1;\n/* Double it. */\nconst double = (value) => {\n" });
    const answer = 'const helper = (x) => x * 2;\nconst double = (value) => helper(value);\n';
    expect(programSource(task, fitCompletion(task, answer))).toBe('\nconst other = 1;\n/* Double it. */\n' + answer);
    // A continuation keeps upstream's program: prefix + completion.
    expect(programSource(task, '  return value * 2;\n};\n')).toBe(task.codePrefix + '  return value * 2;\n};\n');
  });

  it('TypeScript: a typed whole function with a usage line', () => {
    const task = taskSchema.parse({
      id: 'ts',
      prompt: 'p',
      language: 'typescript',
      codePrefix: '/** Double it. */\nconst double = function (value: number) : number  {\n',
      tests: [{ kind: 'program', code: "import * as assert from 'assert'\nassert.equal(double(2), 4);\n" }],
    });
    const fitted = completionFromResponse(task, '```ts\nfunction double(value: number): number {\n  return value * 2;\n}\nconsole.log(double(2));\n```', 'chat');
    expect(fitted).toBe('function double(value: number): number {\n  return value * 2;\n}');
    expect(programSource(task, fitted)).toBe('/** Double it. */\n' + fitted);
  });

  it('several blocks: a fragment quoted in the explanation is left out when a block has the whole function', () => {
    const response = '```js\nconst double = (value) => {\n  return value * 2;\n};\n```\nThe key line is:\n```js\nreturn value * 2;\n```';
    expect(completionFromResponse(scriptTask(), response, 'chat')).toBe('const double = (value) => {\n  return value * 2;\n};');
  });
});

describe('fitCompletion: bad input is data, never a crash', () => {
  it('hostile or broken answers come back as text for every language', () => {
    const answers = [
      '('.repeat(100_000),
      '"""'.repeat(1_001) + '\n' + 'x = (\n'.repeat(5_000),
      'const double = 1;\n'.repeat(20_000),
      '`${'.repeat(10_000),
      'def area(r):\n' + '    if r:\n'.repeat(3_000),
      '\u0000\uFFFF\uD800 ``` ~~~\n```python\n',
      'x'.repeat(300_000),
    ];
    for (const task of [pythonTask(), scriptTask(), scriptTask({ language: 'typescript' }), pythonTask({ language: 'bash', codePrefix: '' })]) {
      for (const answer of answers) {
        for (const style of ['chat', 'continuation'] as const) {
          const fitted = completionFromResponse(task, answer, style);
          expect(typeof fitted).toBe('string');
          expect(typeof programSource(task, fitted)).toBe('string');
        }
      }
    }
  });
});
