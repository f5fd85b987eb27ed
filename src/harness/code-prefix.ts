import type { Task } from '../schemas/task.ts';
import { pythonDefinedName, pythonTopLevelStatements, splitLines } from './python-statements.ts';
import { parseScript } from './script-statements.ts';

/** What an answer needs to know about the code prefix it continues or replaces. */
export interface CodePrefixShape {
  /**
   * The function the prefix leaves open: the name declared by its last top-level declaration
   * (Python `def`; JavaScript/TypeScript `function`, `const`, `let`, `var`, `class`), else the
   * task's `entryPoint`.
   */
  entryPoint?: string;
  /**
   * The prefix before that open declaration (imports, helpers, comments), which an answer
   * that declares the entry point itself still needs; `undefined` when no declaration was found.
   */
  head?: string;
  /** Indentation of the open function's body (Python), `'    '` when the prefix shows none. */
  bodyIndent: string;
}

const shapes = new Map<string, CodePrefixShape>();

/** The shape of `task.codePrefix`; cached per prefix text and language (a run asks once per test of each sample). */
export function codePrefixShape(task: Pick<Task, 'codePrefix' | 'language' | 'entryPoint'>): CodePrefixShape {
  const key = `${task.language}\u0000${task.entryPoint ?? ''}\u0000${task.codePrefix}`;
  let shape = shapes.get(key);
  if (shape === undefined) {
    shape = readShape(task);
    if (shapes.size >= 2_000) shapes.clear();
    shapes.set(key, shape);
  }
  return shape;
}

function readShape(task: Pick<Task, 'codePrefix' | 'language' | 'entryPoint'>): CodePrefixShape {
  const fallback: CodePrefixShape = { bodyIndent: '    ', ...(task.entryPoint ? { entryPoint: task.entryPoint } : {}) };
  if (task.codePrefix.trim() === '') return fallback;
  if (task.language === 'python') return pythonShape(task.codePrefix, fallback);
  if (task.language === 'javascript' || task.language === 'typescript') return scriptShape(task.codePrefix, task.language, fallback);
  return fallback;
}

function pythonShape(prefix: string, fallback: CodePrefixShape): CodePrefixShape {
  const { statements } = pythonTopLevelStatements(prefix);
  let open = -1;
  for (let index = statements.length - 1; index >= 0; index--) {
    if (/^(?:async\s+)?def\s/.test((statements[index] as (typeof statements)[number]).header.code)) {
      open = index;
      break;
    }
  }
  if (open < 0) return fallback;
  const definition = statements[open] as (typeof statements)[number];
  // Decorators belong to the open function: they must not end up decorating the answer's first statement.
  let first = open;
  while (first > 0 && (statements[first - 1] as (typeof statements)[number]).header.code.startsWith('@')) first--;
  const lines = splitLines(prefix);
  const cut = (statements[first] as (typeof statements)[number]).start;
  const head = cut === 0 ? '' : `${lines.slice(0, cut).join('\n')}\n`;
  const firstBodyLine = definition.body[0];
  const bodyIndent = firstBodyLine === undefined ? '    ' : (/^[ \t]*/.exec(lines[firstBodyLine.start] as string) as RegExpExecArray)[0];
  const name = pythonDefinedName(definition);
  return { bodyIndent: bodyIndent === '' ? '    ' : bodyIndent, head, ...(name ? { entryPoint: name } : fallback.entryPoint ? { entryPoint: fallback.entryPoint } : {}) };
}

function scriptShape(prefix: string, language: 'javascript' | 'typescript', fallback: CodePrefixShape): CodePrefixShape {
  const parsed = parseScript(prefix, language);
  if (parsed === undefined) return fallback;
  for (let index = parsed.statements.length - 1; index >= 0; index--) {
    const statement = parsed.statements[index] as (typeof parsed.statements)[number];
    const name = statement.names[statement.names.length - 1];
    if (name === undefined) continue;
    return { bodyIndent: fallback.bodyIndent, entryPoint: name, head: prefix.slice(0, statement.start) };
  }
  return fallback;
}

