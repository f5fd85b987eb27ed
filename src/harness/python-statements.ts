/**
 * Line-based reading of Python source, enough to find top-level statements without a Python
 * parser on the host: it follows strings (single, triple, with prefixes), comments, brackets and
 * backslash continuations, so that a statement spread over several lines, or a `def` inside a
 * docstring, is read as Python reads it.
 */

/** One logical line: a simple statement or a compound statement's header, over physical lines. */
export interface PythonLogicalLine {
  /** Index of its first physical line. */
  start: number;
  /** Index one past its last physical line. */
  end: number;
  /** Width of the first line's indentation (a tab advances to the next multiple of 8, as Python counts). */
  indent: number;
  /** The code with comments removed, continuation lines joined with a space, trimmed. */
  code: string;
  /** A `;` outside brackets and strings: several statements on one line. */
  hasSemicolon: boolean;
  /** False when the source ended inside a bracket, a string or a continuation (an answer cut short). */
  complete: boolean;
}

/** A top-level statement with the indented block that belongs to it. */
export interface PythonTopLevelStatement {
  /** Its first logical line (the header of a compound statement). */
  header: PythonLogicalLine;
  /** The logical lines of its indented block, in order. */
  body: PythonLogicalLine[];
  /** Index of its first physical line. */
  start: number;
  /** Index one past its last non-blank physical line. */
  end: number;
}

/** Physical lines of a text (LF or CRLF). */
export function splitLines(text: string): string[] {
  return text.split(/\r?\n/);
}

function indentWidth(line: string): number {
  let width = 0;
  for (const character of line) {
    if (character === ' ') width += 1;
    else if (character === '\t') width = (Math.floor(width / 8) + 1) * 8;
    else if (character === '\f') width = 0;
    else break;
  }
  return width;
}

/**
 * The logical lines of `source`, blank and comment-only lines left out. Also returns which
 * physical lines begin inside a string (their text is string content: never re-indent them).
 */
export function pythonLogicalLines(source: string): { lines: PythonLogicalLine[]; insideString: Set<number> } {
  const physical = splitLines(source);
  const lines: PythonLogicalLine[] = [];
  const insideString = new Set<number>();
  let current: { start: number; indent: number; code: string; hasSemicolon: boolean } | undefined;
  let depth = 0;
  // The open string's quote (`'`, `"`, `'''` or `"""`), carried across lines only when triple.
  let quote = '';
  for (let lineIndex = 0; lineIndex < physical.length; lineIndex++) {
    const line = physical[lineIndex] as string;
    if (quote !== '') insideString.add(lineIndex);
    if (current === undefined) {
      const trimmed = line.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      current = { start: lineIndex, indent: indentWidth(line), code: '', hasSemicolon: false };
    }
    let code = '';
    let continued = false;
    let index = 0;
    while (index < line.length) {
      const character = line[index] as string;
      if (quote !== '') {
        if (character === '\\') {
          code += line.slice(index, index + 2);
          index += 2;
          continue;
        }
        if (line.startsWith(quote, index)) {
          code += quote;
          index += quote.length;
          quote = '';
          continue;
        }
        code += character;
        index++;
        continue;
      }
      if (character === '#') break;
      if (character === '"' || character === "'") {
        // A prefix such as `rb` or `f` is already in `code`; only the quote matters here.
        const triple = line.startsWith(character.repeat(3), index);
        quote = triple ? character.repeat(3) : character;
        code += quote;
        index += quote.length;
        continue;
      }
      if (character === '\\' && index === line.length - 1) {
        continued = true;
        index++;
        continue;
      }
      if ('([{'.includes(character)) depth++;
      else if (')]}'.includes(character)) depth = Math.max(0, depth - 1);
      else if (character === ';' && depth === 0) current.hasSemicolon = true;
      code += character;
      index++;
    }
    // A single-quoted string does not run past its line (Python reports it; so do we, by ending it).
    if (quote.length === 1) quote = '';
    current.code += (current.code === '' ? '' : ' ') + code.trim();
    if (depth > 0 || quote !== '' || continued) continue;
    lines.push({ start: current.start, end: lineIndex + 1, indent: current.indent, code: current.code, hasSemicolon: current.hasSemicolon, complete: true });
    current = undefined;
  }
  if (current !== undefined) {
    lines.push({ start: current.start, end: physical.length, indent: current.indent, code: current.code, hasSemicolon: current.hasSemicolon, complete: false });
  }
  return { lines, insideString };
}

/**
 * Top-level statements of `source` with their blocks. Logical lines before the first top-level
 * one (an indented start: a function body) are returned apart as `leading`.
 */
export function pythonTopLevelStatements(source: string): { statements: PythonTopLevelStatement[]; leading: PythonLogicalLine[] } {
  const { lines } = pythonLogicalLines(source);
  const statements: PythonTopLevelStatement[] = [];
  const leading: PythonLogicalLine[] = [];
  for (const line of lines) {
    if (line.indent === 0) {
      statements.push({ header: line, body: [], start: line.start, end: line.end });
      continue;
    }
    const owner = statements[statements.length - 1];
    if (owner === undefined) {
      leading.push(line);
      continue;
    }
    owner.body.push(line);
    owner.end = line.end;
  }
  return { statements, leading };
}

/** The name a top-level statement binds as a function, class or simple assignment, if any. */
export function pythonDefinedName(statement: PythonTopLevelStatement): string | undefined {
  const code = statement.header.code;
  const definition = /^(?:async\s+)?def\s+([A-Za-z_]\w*)|^class\s+([A-Za-z_]\w*)/.exec(code);
  if (definition) return definition[1] ?? definition[2];
  const assignment = /^([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)/.exec(code);
  return assignment?.[1];
}

/** `text` as a literal inside a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
