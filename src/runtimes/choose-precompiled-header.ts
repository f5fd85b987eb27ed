import type { PrecompiledHeader } from '../schemas/runtime-profile.ts';

/**
 * Choosing a precompiled header for a C++ program without changing what the program means.
 *
 * gcc looks for `<name>.gch` in each include folder before `<name>` itself, and uses it in place
 * of the program's first `#include` (before any token). A precompiled header folder in the image
 * holds only `<first include>.gch`, built from the `#include<...>` lines of several headers; the
 * compile step gets `-I <folder>` only when the program itself starts with exactly those
 * includes, in the same order. gcc then reads the same headers in the same order as the program
 * asks for; the program's own includes that follow are empty, because every standard header
 * guards against being read twice. So the translation unit is the same and the verdict cannot
 * change (a test shows the texts are the same), while the `.gch` saves parsing the headers. A
 * header the program does not include itself is never offered: that could make a program compile
 * that the plain command rejects. Nothing breaks when the image lacks the folder (an image built
 * before it) or the `.gch` does not fit the command's flags: gcc skips a missing include folder
 * and silently reads the real header instead, so the program only compiles more slowly.
 */

/** One `#include<name>` (or `# include <name>`) line, alone on its line. */
const INCLUDE_LINE = /#[ \t]*include[ \t]*<([A-Za-z0-9_.+/-]+)>[ \t\r]*(?:\n|$)/y;

/**
 * The angle-bracket includes a program starts with: before its first token, through blank lines
 * and comments. Anything the scan is unsure of ends it (another directive, a quoted include, text
 * after an include on its line, an include after a comment on its line); and when a backslash or
 * a trigraph (`??/` is a backslash under `-std=c++11`) could splice lines before the last include
 * found, nothing is trusted and the list is empty.
 */
export function leadingIncludes(programText: string): string[] {
  const includes: string[] = [];
  let position = 0;
  let end = 0;
  // Whether only spaces have come since the last newline: a directive must start its line.
  let lineStart = true;
  while (position < programText.length) {
    const character = programText[position]!;
    if (character === '\n') {
      position += 1;
      lineStart = true;
    } else if (character === ' ' || character === '\t' || character === '\r') {
      position += 1;
    } else if (programText.startsWith('/*', position)) {
      const close = programText.indexOf('*/', position + 2);
      if (close < 0) break;
      position = close + 2;
      lineStart = false;
    } else if (programText.startsWith('//', position)) {
      const newline = programText.indexOf('\n', position);
      position = newline < 0 ? programText.length : newline;
    } else if (character === '#' && lineStart) {
      INCLUDE_LINE.lastIndex = position;
      const match = INCLUDE_LINE.exec(programText);
      if (!match) break;
      includes.push(match[1]!);
      position = INCLUDE_LINE.lastIndex;
      end = position;
      lineStart = true;
    } else {
      break;
    }
  }
  const scanned = programText.slice(0, end);
  if (scanned.includes('\\') || scanned.includes('??')) return [];
  return includes;
}

/**
 * The precompiled header whose includes the program's leading includes start with, in the same
 * order; the one with the most includes when several do; undefined when none does.
 */
export function choosePrecompiledHeader(
  programText: string,
  candidates: readonly PrecompiledHeader[],
): PrecompiledHeader | undefined {
  if (candidates.length === 0) return undefined;
  const leading = leadingIncludes(programText);
  let chosen: PrecompiledHeader | undefined;
  for (const candidate of candidates) {
    const fits = candidate.includes.length <= leading.length && candidate.includes.every((name, index) => leading[index] === name);
    if (fits && (!chosen || candidate.includes.length > chosen.includes.length)) chosen = candidate;
  }
  return chosen;
}

/** The compile command with `-I <folder>` after the compiler when a precompiled header fits the program. */
export function withPrecompiledHeader(
  command: readonly string[],
  programText: string,
  candidates: readonly PrecompiledHeader[] | undefined,
): string[] {
  const chosen = choosePrecompiledHeader(programText, candidates ?? []);
  if (!chosen) return [...command];
  const [compiler, ...rest] = command;
  return [compiler!, '-I', chosen.folder, ...rest];
}
