import type { Task, TestCase } from '../schemas/task.ts';
import { codePrefixShape } from './code-prefix.ts';
import { escapeRegExp, pythonDefinedName, pythonTopLevelStatements } from './python-statements.ts';
import { parseScript, removeStatements } from './script-statements.ts';

/**
 * How a completion joins the task's code prefix: `exact` as upstream harnesses do
 * (`codePrefix + completion`, for continuations and samples files), or `fitted`, which also
 * takes an answer that repeats the prefix's open function (see `programSource`).
 */
export type ProgramAssembly = 'exact' | 'fitted';

/** What runs for one test of one sample. */
export interface AssembledProgram {
  /** The program: `codePrefix + completion`, or for an answer that declares the entry point itself, the prefix's head + the answer (see `programSource`). */
  source: string;
  /**
   * Program tests: the test code, which runs after `source` in the same program (the sandbox
   * joins them with `joinProgram` and reports whether the test code ran to its end).
   */
  testCode?: string;
  /** Standard input (I/O tests). */
  stdin: string;
}

/**
 * The program for one test: `programSource(task, completion)`, with the test's stdin for I/O
 * tests or the test's code for program tests. Dataset importers write `test.code` so that the
 * joined text reproduces their upstream harness exactly.
 */
export function assembleProgram(task: Task, completion: string, test: TestCase, assembly: ProgramAssembly = 'fitted'): AssembledProgram {
  const source = programSource(task, completion, assembly);
  if (test.kind === 'io') return { source, stdin: test.stdin };
  return { source, testCode: test.code, stdin: '' };
}

/**
 * The program a completion makes with the task's code prefix:
 * - a continuation (anything else) → `codePrefix + completion`, byte for byte as upstream;
 * - an answer that stands on its own and declares the prefix's open function at top level
 *   (the whole function or program repeated) → the prefix's head (what comes before its open
 *   declaration: imports, helpers) + the answer. Prefixed to the answer, the open declaration
 *   would be a syntax error (a function left without a body in JavaScript, a redeclared
 *   `const`) or, in Python, dead code. In JavaScript and TypeScript the head loses the
 *   declarations the answer makes again (a second `const` of a name is a syntax error).
 * "Stands on its own": in Python its first line of code is flush left (a continuation is
 * indented: it is the function's body); in JavaScript and TypeScript it parses alone without
 * a syntax error (a continuation ends the prefix's open braces, so it never does).
 */
export function programSource(task: Task, completion: string, assembly: ProgramAssembly = 'fitted'): string {
  const imports = task.importHelper === undefined ? '' : rebuiltImports(task.importHelper, completion);
  if (task.codePrefix === '') return imports + completion;
  const continued = (): string => imports + task.codePrefix + cutCompletion(task, completion);
  // Upstream harnesses join prefix and completion as they are (and so do continuation answers).
  if (assembly === 'exact') return continued();
  const head = standaloneHead(task, completion);
  return head === undefined ? continued() : imports + head + completion;
}

/**
 * A continuation cut as the task's harness cuts it. `python-top-level` (HumanEval-X Python):
 * the lines before the first non-blank one that starts with neither a space nor a tab.
 */
export function cutCompletion(task: Pick<Task, 'completionCut'>, completion: string): string {
  if (task.completionCut !== 'python-top-level') return completion;
  const lines = completion.split('\n');
  const end = lines.findIndex((line) => line.trim() !== '' && line[0] !== ' ' && line[0] !== '\t');
  return end < 0 ? completion : lines.slice(0, end).join('\n');
}

/**
 * The program's start under an import helper (HumanEval-X Go, as upstream builds it): the
 * header, a newline, and when some candidate package is used (its last path element and a dot
 * occur in the completion, its path not in the header) an import block and a newline. The block
 * is upstream's text exactly: `import (\n"a"\n    "b"\n)`.
 */
export function rebuiltImports(helper: NonNullable<Task['importHelper']>, completion: string): string {
  const used = helper.packages.filter((path) => {
    if (helper.header.includes(path)) return false;
    const last = path.slice(path.lastIndexOf('/') + 1);
    return completion.includes(`${last}.`);
  });
  if (used.length === 0) return `${helper.header}\n`;
  return `${helper.header}\nimport (\n${used.map((path) => `"${path}"\n`).join('    ')})\n`;
}

/** The head to put before `completion` when it replaces the prefix's open declaration; `undefined` when it continues it. */
function standaloneHead(task: Task, completion: string): string | undefined {
  const shape = codePrefixShape(task);
  const entryPoint = shape.entryPoint;
  if (entryPoint === undefined || shape.head === undefined) return undefined;
  // Cheap textual check first: most completions (continuations) never declare the name.
  const name = escapeRegExp(entryPoint);
  if (task.language === 'python') {
    if (!new RegExp(`\\b(?:def|class)\\s+${name}\\b|^${name}\\s*(?::[^=\\n]*)?=`, 'm').test(completion)) return undefined;
    const { statements, leading } = pythonTopLevelStatements(completion);
    if (leading.length > 0 || !statements.some((statement) => pythonDefinedName(statement) === entryPoint)) return undefined;
    return shape.head;
  }
  if (task.language !== 'javascript' && task.language !== 'typescript') return undefined;
  if (!new RegExp(`(?:function\\s*\\*?\\s*|(?:const|let|var|class)\\s+)${name}\\b`).test(completion)) return undefined;
  const answer = parseScript(completion, task.language, entryPoint);
  if (answer === undefined || answer.syntaxErrors > 0) return undefined;
  const answerNames = new Set(answer.statements.flatMap((statement) => statement.names));
  if (!answerNames.has(entryPoint)) return undefined;
  const head = parseScript(shape.head, task.language);
  if (head === undefined) return shape.head;
  const redeclared = head.statements.filter((statement) => statement.names.some((declared) => answerNames.has(declared)));
  return removeStatements(shape.head, redeclared);
}
