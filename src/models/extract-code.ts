import type { Language } from '../schemas/task.ts';

/** One fenced block found in a model's answer. */
export interface FencedBlock {
  /** The language tag, lower-cased (`python`, `c++`), or `''` when the fence has none. */
  tag: string;
  /** The lines between the fences, joined with `\n`, with the opening fence's indentation removed. */
  code: string;
  /** False when the text ended before the closing fence (an answer cut at max tokens). */
  closed: boolean;
}

/** Fence tags accepted for each language (compared lower-case). */
export const LANGUAGE_TAGS: Readonly<Record<Language, readonly string[]>> = {
  python: ['python', 'py', 'python3', 'py3'],
  javascript: ['javascript', 'js', 'node', 'nodejs', 'mjs', 'cjs', 'jsx'],
  typescript: ['typescript', 'ts', 'mts', 'cts', 'tsx'],
  bash: ['bash', 'sh', 'shell'],
  c: ['c', 'h'],
  cpp: ['cpp', 'c++', 'cxx', 'cc', 'hpp'],
  java: ['java'],
  go: ['go', 'golang'],
  rust: ['rust', 'rs'],
};

// An opening fence: any indentation (models indent fences inside list items), three or more
// backticks or tildes, then an optional info string.
const OPENING_FENCE = /^([ \t]*)(`{3,}|~{3,})(.*)$/;
const CLOSING_FENCE = /^[ \t]*(`{3,}|~{3,})[ \t]*$/;

/** The language word of a fence's info string: `python` in `python`, `{.python}`, `py:main.py`, `c++ title="x"`. */
function fenceTag(info: string): string {
  const word = /[A-Za-z0-9_+#-]+/.exec(info);
  return word ? word[0].toLowerCase() : '';
}

/** Remove up to `width` leading whitespace characters (the opening fence's indentation). */
function dedent(line: string, width: number): string {
  let index = 0;
  while (index < width && index < line.length && (line[index] === ' ' || line[index] === '\t')) index++;
  return line.slice(index);
}

/**
 * Every fenced block of a Markdown-ish text, in order. Follows CommonMark where it matters: a
 * closing fence uses the opening fence's character, is at least as long, and carries no info
 * string (so a four-backtick fence can hold a line of three); a backtick info string cannot
 * contain a backtick (so ```` ```x``` ```` inline in prose opens nothing). CRLF and LF both
 * end lines. A fence left open runs to the end of the text.
 */
export function findFencedBlocks(text: string): FencedBlock[] {
  const lines = text.split(/\r?\n/);
  const blocks: FencedBlock[] = [];
  let open: { fence: string; indent: number; tag: string; lines: string[] } | undefined;
  for (const line of lines) {
    if (open === undefined) {
      const match = OPENING_FENCE.exec(line);
      if (!match) continue;
      const fence = match[2] as string;
      const info = match[3] as string;
      if (fence.startsWith('`') && info.includes('`')) continue;
      open = { fence, indent: (match[1] as string).length, tag: fenceTag(info), lines: [] };
      continue;
    }
    const closing = CLOSING_FENCE.exec(line);
    if (closing && (closing[1] as string)[0] === open.fence[0] && (closing[1] as string).length >= open.fence.length) {
      blocks.push({ tag: open.tag, code: open.lines.join('\n'), closed: true });
      open = undefined;
      continue;
    }
    open.lines.push(dedent(line, open.indent));
  }
  if (open !== undefined) {
    // The text ended inside the block: drop the blank tail the cut left behind.
    while (open.lines.length > 0 && (open.lines[open.lines.length - 1] as string).trim() === '') open.lines.pop();
    blocks.push({ tag: open.tag, code: open.lines.join('\n'), closed: false });
  }
  return blocks;
}

/**
 * The code in a model's answer, for a task in `language`:
 * 1. no fenced block → the text unchanged (completion-style answers, reference solutions);
 * 2. blocks tagged with the language (`py`, `python3`, `js`, `ts`, `c++`… see `LANGUAGE_TAGS`)
 *    → all of them, in order, joined with a blank line (models split helpers and the solution);
 * 3. else untagged blocks → all of them, joined the same way;
 * 4. else (only other tags, e.g. `typescript` for a JavaScript task, or `text`) → the first block.
 * Blocks holding only whitespace are ignored; when every block is empty the answer is `''`.
 * Joining every matching block also takes usage examples a model adds in a second block of the
 * same language; that is the price of not losing helpers defined in separate blocks.
 */
export function extractCode(text: string, language: Language): string {
  const blocks = selectCodeBlocks(text, language);
  return blocks === undefined ? text : blocks.join('\n\n');
}

/**
 * The blocks `extractCode` takes from a model's answer, apart (rules 2–4 there), for callers
 * that weigh each block on its own; `undefined` when the text has no fenced block (rule 1) and
 * `[]` when every block is empty.
 */
export function selectCodeBlocks(text: string, language: Language): string[] | undefined {
  const blocks = findFencedBlocks(text);
  if (blocks.length === 0) return undefined;
  const nonEmpty = blocks.filter((block) => block.code.trim() !== '');
  if (nonEmpty.length === 0) return [];
  const tags = LANGUAGE_TAGS[language];
  const tagged = nonEmpty.filter((block) => tags.includes(block.tag));
  if (tagged.length > 0) return tagged.map((block) => block.code);
  const untagged = nonEmpty.filter((block) => block.tag === '');
  if (untagged.length > 0) return untagged.map((block) => block.code);
  return [(nonEmpty[0] as FencedBlock).code];
}
