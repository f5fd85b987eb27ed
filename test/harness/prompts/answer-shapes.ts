import { codePrefixShape } from '../../../src/harness/code-prefix.ts';
import type { Task } from '../../../src/schemas/task.ts';

/**
 * Chat answers in the shapes models really send, written from a task and a body (the text
 * that continues the task's code prefix, as a reference solution is). Each builder returns
 * the whole response text, fences and prose included.
 */
export type ShapeBuilder = (task: Task, body: string) => string;

/** The prefix's open declaration line(s): the prefix after its head. */
export function openDeclaration(task: Task): string {
  const head = codePrefixShape(task).head ?? '';
  return task.codePrefix.slice(head.length);
}

function entry(task: Task): string {
  const name = codePrefixShape(task).entryPoint;
  if (name === undefined) throw new Error(`no entry point in ${task.id}`);
  return name;
}

function fence(tag: string, code: string): string {
  return `\`\`\`${tag}\n${code.replace(/\n*$/, '\n')}\`\`\``;
}

/** Remove `width` spaces of indentation from every line that has them. */
export function dedentBy(text: string, width: number): string {
  const indent = ' '.repeat(width);
  return text
    .split('\n')
    .map((line) => (line.startsWith(indent) ? line.slice(width) : line))
    .join('\n');
}

/** Add `indent` to every non-blank line. */
export function indentBy(text: string, indent: string): string {
  return text
    .split('\n')
    .map((line) => (line.trim() === '' ? line : indent + line))
    .join('\n');
}

/** JavaScript and TypeScript shapes (HumanEval-X, MBXP, task files with a code prefix). */
export function scriptShapes(tag: string): Record<string, ShapeBuilder> {
  const withoutClosingBrace = (body: string): string => body.replace(/\}\s*;?\s*$/, '');
  // `const f = (a, b) => {` / `const f = function (a: T) : R  {` → `function f(a, b) {`.
  const asFunction = (declaration: string): string =>
    declaration
      .replace(/const (\w+) = \((.*)\) => \{/, 'function $1($2) {')
      .replace(/const (\w+) = function \((.*)\)\s*:\s*(.*?)\s*\{/, 'function $1($2): $3 {');
  return {
    'pure continuation (body only, as upstream)': (_task, body) => body,
    'the whole function repeated, prose around the fence': (task, body) =>
      `Here is the completed function:\n\n${fence(tag, openDeclaration(task) + body)}\n\nIt checks every case described in the comment.`,
    'the whole prompt repeated (comment, helpers, signature) and the body': (task, body) => fence(tag, task.codePrefix + body),
    'the whole program with example usage (console.log, a call, a require.main block, a loop)': (task, body) =>
      fence(
        tag,
        `${task.codePrefix}${body}\n// Example usage\nconsole.log(${entry(task)}());\n${entry(task)}();\nfor (const input of [[], [1]]) console.log(${entry(task)}(input));\nif (require.main === module) {\n  console.log('main');\n}\n`,
      ),
    'a function declaration where the prefix has a const': (task, body) => fence(tag, asFunction(openDeclaration(task)) + body),
    'two versions in two blocks, the later one final': (task, body) =>
      `A first try:\n${fence(tag, `${openDeclaration(task)}  return null;\n}\n`)}\nBetter:\n${fence(tag, openDeclaration(task) + body)}`,
    'the function, then a block of example usage': (task, body) =>
      `${fence(tag, openDeclaration(task) + body)}\nFor example:\n${fence(tag, `console.log(${entry(task)}());`)}`,
    'an unclosed fence cut inside trailing example usage': (task, body) => `\`\`\`${tag}\n${openDeclaration(task)}${body}\nconsole.log(${entry(task)}([1, 2,`,
    'a body without the closing brace': (_task, body) => fence(tag, withoutClosingBrace(body)),
    'a body flush left': (_task, body) => fence(tag, dedentBy(body, 2)),
    'the whole function in a fence indented inside a list item': (task, body) =>
      `1. The function:\n\n   ${fence(tag, openDeclaration(task) + body).split('\n').join('\n   ')}\n`,
  };
}

/** Python shapes (HumanEval, task files with a code prefix). */
export function pythonShapes(): Record<string, ShapeBuilder> {
  return {
    'pure continuation (body only, as upstream)': (_task, body) => body,
    'the whole function repeated, without the imports, prose around the fence': (task, body) =>
      `Sure! Here is the implementation:\n\n${fence('python', openDeclaration(task) + body)}\n\nThe function returns the expected value.`,
    'the whole program: imports, helpers, function, example usage and a __main__ block': (task, body) =>
      fence(
        'python',
        `${task.codePrefix}${body}\n\n# Example usage\nprint(${entry(task)}())\n${entry(task)}()\nfor case in [[], [1]]:\n    print(${entry(task)}(case))\n\nif __name__ == "__main__":\n    import doctest\n    doctest.testmod()\n    print(${entry(task)}())\n`,
      ),
    'the whole function indented at body level': (task, body) => fence('python', indentBy(openDeclaration(task) + body, '    ')),
    'a body flush left': (_task, body) => fence('python', dedentBy(body, 4)),
    'a body indented deeper than the function body': (_task, body) => fence('py', indentBy(body, '    ')),
    'two versions in two blocks, the later one final': (task, body) =>
      `First attempt:\n${fence('python', `${openDeclaration(task)}    return None\n`)}\nImproved:\n${fence('python', openDeclaration(task) + body)}`,
    'the function, then a block of example usage': (task, body) =>
      `${fence('python', openDeclaration(task) + body)}\nExample:\n${fence('python', `print(${entry(task)}())`)}`,
    'an unclosed fence cut inside trailing example usage': (task, body) => `\`\`\`python\n${openDeclaration(task)}${body}\n\nprint(${entry(task)}([1, 2,`,
  };
}
