import { describe, expect, it } from 'vitest';
import { extractCode, findFencedBlocks } from '../../src/models/extract-code.ts';

const fence = '```';

describe('extractCode', () => {
  it('returns text without any fence unchanged (completion-style answers keep their indentation)', () => {
    const body = '    for x in xs:\n        print(x)\n';
    expect(extractCode(body, 'python')).toBe(body);
    expect(extractCode('', 'python')).toBe('');
  });

  it('takes the block out of prose around it', () => {
    const text = `Here is the solution:\n\n${fence}python\ndef f(x):\n    return x + 1\n${fence}\n\nIt adds one.`;
    expect(extractCode(text, 'python')).toBe('def f(x):\n    return x + 1');
  });

  it('accepts tilde fences and untagged fences', () => {
    expect(extractCode('~~~\nconsole.log(1)\n~~~', 'javascript')).toBe('console.log(1)');
    expect(extractCode(`${fence}\necho hi\n${fence}`, 'bash')).toBe('echo hi');
  });

  it('prefers blocks tagged with the language, joining several with a blank line', () => {
    const text = [
      'Helper:',
      `${fence}py`,
      'def helper(): return 1',
      fence,
      'Output:',
      fence,
      '1',
      fence,
      'Main:',
      `${fence}python3`,
      'def main(): return helper()',
      fence,
    ].join('\n');
    expect(extractCode(text, 'python')).toBe('def helper(): return 1\n\ndef main(): return helper()');
  });

  it('recognises tag aliases, case-insensitively and with extra info', () => {
    const text = (tag: string): string => `${fence}text\nnot code\n${fence}\n${fence}${tag}\nCODE\n${fence}`;
    expect(extractCode(text('JavaScript'), 'javascript')).toBe('CODE');
    expect(extractCode(text('node'), 'javascript')).toBe('CODE');
    expect(extractCode(text('ts'), 'typescript')).toBe('CODE');
    expect(extractCode(text('typescript title="a.ts"'), 'typescript')).toBe('CODE');
    expect(extractCode(text('shell'), 'bash')).toBe('CODE');
    expect(extractCode(text('sh'), 'bash')).toBe('CODE');
    expect(extractCode(text('c'), 'c')).toBe('CODE');
    expect(extractCode(text('c++'), 'cpp')).toBe('CODE');
    expect(extractCode(text('cpp'), 'cpp')).toBe('CODE');
    expect(extractCode(text('{.python}'), 'python')).toBe('CODE');
    expect(extractCode(text('py:solution.py'), 'python')).toBe('CODE');
  });

  it('takes untagged blocks when none carries the language tag', () => {
    const text = `${fence}json\n{"a": 1}\n${fence}\n${fence}\nprint(1)\n${fence}\n${fence}\nprint(2)\n${fence}`;
    expect(extractCode(text, 'python')).toBe('print(1)\n\nprint(2)');
  });

  it('falls back to the first block when every block carries another tag', () => {
    const text = `${fence}typescript\nconst a: number = 1;\n${fence}\n${fence}text\nout\n${fence}`;
    expect(extractCode(text, 'javascript')).toBe('const a: number = 1;');
  });

  it('handles an unterminated final fence (answer cut at max tokens)', () => {
    expect(extractCode(`Sure:\n${fence}python\ndef f():\n    return 1\n\n`, 'python')).toBe('def f():\n    return 1');
  });

  it('handles CRLF line endings', () => {
    const text = `Solution:\r\n${fence}js\r\nconst a = 1;\r\nconsole.log(a);\r\n${fence}\r\n`;
    expect(extractCode(text, 'javascript')).toBe('const a = 1;\nconsole.log(a);');
  });

  it('keeps backticks inside code: inline triple backticks, template literals, a longer outer fence', () => {
    const inline = `${fence}js\nconst md = "${fence}js";\nconst t = \`a\${1}\`;\n${fence}`;
    expect(extractCode(inline, 'javascript')).toBe(`const md = "${fence}js";\nconst t = \`a\${1}\`;`);
    const nested = `\`\`\`\`python\ns = """\n${fence}\ninside\n${fence}\n"""\n\`\`\`\``;
    expect(extractCode(nested, 'python')).toBe(`s = """\n${fence}\ninside\n${fence}\n"""`);
    // A tilde fence is not closed by backticks.
    expect(extractCode(`~~~py\nx = 1\n${fence}\ny = 2\n~~~`, 'python')).toBe(`x = 1\n${fence}\ny = 2`);
  });

  it('does not take inline triple backticks in prose for a fence', () => {
    const text = `${fence}python${fence} is how you start a block`;
    expect(extractCode(text, 'python')).toBe(text);
  });

  it('removes the indentation of a fence nested in a list item', () => {
    const text = `1. Write this:\n   ${fence}python\n   def f():\n       return 1\n   ${fence}\n`;
    expect(extractCode(text, 'python')).toBe('def f():\n    return 1');
  });

  it('returns an empty string when every block is empty, and ignores empty blocks otherwise', () => {
    expect(extractCode(`${fence}python\n${fence}`, 'python')).toBe('');
    expect(extractCode(`${fence}python\n\n${fence}\n${fence}\nx = 1\n${fence}`, 'python')).toBe('x = 1');
  });

  it('reports whether blocks were closed', () => {
    expect(findFencedBlocks(`${fence}c\nint x;\n${fence}\n${fence}\nrest`)).toEqual([
      { tag: 'c', code: 'int x;', closed: true },
      { tag: '', code: 'rest', closed: false },
    ]);
  });
});
