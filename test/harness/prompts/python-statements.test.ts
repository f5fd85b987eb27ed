import { describe, expect, it } from 'vitest';
import { pythonDefinedName, pythonLogicalLines, pythonTopLevelStatements } from '../../../src/harness/python-statements.ts';

describe('pythonLogicalLines', () => {
  it('joins lines inside brackets, triple-quoted strings and after a backslash; skips blank and comment lines', () => {
    const source = ['x = (1,', '2)', '', '# comment', 's = """a', 'def f(): pass', '"""', 'y = 1 + \\', '    2', "z = 'it''s' # ) ("].join('\n');
    const { lines, insideString } = pythonLogicalLines(source);
    expect(lines.map((line) => [line.start, line.end, line.code])).toEqual([
      [0, 2, 'x = (1, 2)'],
      [4, 7, 's = """a def f(): pass """'],
      [7, 9, 'y = 1 + 2'],
      [9, 10, "z = 'it''s'"],
    ]);
    expect([...insideString]).toEqual([5, 6]);
  });

  it('marks a statement cut short (open bracket or string at the end) as incomplete, and sees semicolons outside strings', () => {
    const { lines } = pythonLogicalLines('print(f([1,\n2,');
    expect(lines).toMatchObject([{ start: 0, end: 2, complete: false }]);
    expect(pythonLogicalLines('a = ";"').lines[0]!.hasSemicolon).toBe(false);
    expect(pythonLogicalLines('a = 1; b = 2').lines[0]!.hasSemicolon).toBe(true);
  });

  it('counts a tab as Python does (to the next multiple of 8)', () => {
    expect(pythonLogicalLines('\tx = 1\n  \ty = 2').lines.map((line) => line.indent)).toEqual([8, 8]);
  });
});

describe('pythonTopLevelStatements', () => {
  it('groups each block with its header, keeps a column-0 comment inside a block, and reports an indented start apart', () => {
    const source = ['    return 1', 'import os', '@cache', 'async def f(x):', '    y = x', '# a note', '    return y', 'class C:', '    pass', 'g: int = 3'].join('\n');
    const { statements, leading } = pythonTopLevelStatements(source);
    expect(leading.map((line) => line.code)).toEqual(['return 1']);
    expect(statements.map((statement) => [statement.header.code, statement.start, statement.end, pythonDefinedName(statement)])).toEqual([
      ['import os', 1, 2, undefined],
      ['@cache', 2, 3, undefined],
      ['async def f(x):', 3, 7, 'f'],
      ['class C:', 7, 9, 'C'],
      ['g: int = 3', 9, 10, 'g'],
    ]);
  });
});
