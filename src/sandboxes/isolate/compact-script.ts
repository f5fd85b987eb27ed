/**
 * Our own JavaScript with comments and needless whitespace removed, token for token the same:
 * the guest prelude lives in every isolate's snapshot (its source text included), so every byte
 * of indentation is deserialized in every run. Line breaks are kept (one per line) so automatic
 * semicolon insertion reads the code exactly as before; strings, template literals and regular
 * expression literals are copied verbatim. Meant for the prelude's source only (a test checks
 * that the compacted prelude has exactly the original's tokens), not for arbitrary scripts.
 */
export function compactScript(source: string): string {
  // Pieces joined at the end: indexing a long concatenated string would flatten it each time.
  const pieces: string[] = [];
  /** The last two characters written (what decides spacing and whether `/` starts a regex). */
  let previous = '';
  let last = '';
  const write = (text: string) => {
    if (text.length === 0) return;
    pieces.push(text);
    previous = text.length > 1 ? (text[text.length - 2] as string) : last;
    last = text[text.length - 1] as string;
  };
  let index = 0;
  /** What a gap before the next token held: nothing, spaces, or a line break. */
  let gap: 'none' | 'space' | 'line' = 'none';
  /** The last identifier or keyword written, when it is the last token ('' otherwise). */
  let lastWord = '';

  const isWordChar = (char: string | undefined) => {
    if (char === undefined) return false;
    const code = char.charCodeAt(0);
    return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || code === 36 || code >= 128;
  };
  // Runs of characters are matched by sticky regular expressions rather than a character at a
  // time: this runs once per worker start-up, in a process whose own code is not baseline-compiled.
  const WORD = /[A-Za-z0-9_$\u0080-\uffff]+/y;
  const BLANKS = /[ \t\r\n]+/y;
  const OPERATOR_CHARACTERS = '()[];,.:?!=+-*%<>&|^~@#';
  const PUNCTUATION = /[()[\];,.:?!=+\-*%<>&|^~@#]+/y;
  const TEMPLATE_TEXT = /[^\\`$]+/y;
  const QUOTED: Record<string, RegExp> = { "'": /'(?:[^'\\]|\\[\s\S])*'?/y, '"': /"(?:[^"\\]|\\[\s\S])*"?/y };
  /** The text a sticky pattern matches at `index` ('' when none). */
  const match = (pattern: RegExp): string => {
    pattern.lastIndex = index;
    return pattern.exec(source)?.[0] ?? '';
  };
  /** Keywords after which a `/` starts a regular expression, not a division. */
  const REGEX_AFTER_WORD = new Set(['return', 'typeof', 'case', 'do', 'else', 'in', 'of', 'new', 'delete', 'void', 'throw', 'instanceof', 'yield', 'await']);

  /** Write the pending gap as the fewest characters that keep `next` a separate token. */
  function flushGap(next: string): void {
    if (gap === 'line') {
      if (last !== '') write('\n');
    } else if (gap === 'space') {
      const before = last;
      const merges =
        (isWordChar(before) && isWordChar(next)) ||
        ((before === '+' || before === '-') && next === before) ||
        (before === '/' && (next === '/' || next === '*')) ||
        (before >= '0' && before <= '9' && next === '.');
      if (merges) write(' ');
    }
    gap = 'none';
  }

  function regexAllowed(): boolean {
    if (lastWord !== '') return REGEX_AFTER_WORD.has(lastWord);
    const before = last;
    if (before === '') return true;
    if ((before === '+' || before === '-') && previous === before) return false;
    return '(,=:[!&|?{};+-*%<>~^'.includes(before);
  }

  /** Copy a quoted string starting at `index` (its quote included). */
  function copyString(quote: string): void {
    const text = match(QUOTED[quote] as RegExp);
    write(text);
    index += text.length;
  }

  function copyRegex(): void {
    let end = index + 1;
    let inClass = false;
    while (end < source.length) {
      const char = source[end] as string;
      if (char === '\\') {
        end += 2;
        continue;
      }
      if (char === '/' && !inClass) break;
      if (char === '[') inClass = true;
      else if (char === ']') inClass = false;
      end++;
    }
    end++;
    while (isWordChar(source[end])) end++;
    write(source.slice(index, end));
    index = end;
  }

  /** Copy a template literal, compacting the code inside each `${…}`. */
  function copyTemplate(): void {
    write('`');
    index++;
    while (index < source.length) {
      const char = source[index] as string;
      if (char === '\\') {
        write(source.slice(index, index + 2));
        index += 2;
      } else if (char === '`') {
        write('`');
        index++;
        return;
      } else if (char === '$' && source[index + 1] === '{') {
        write('${');
        index += 2;
        lastWord = '';
        scan(true);
        write('}');
        index++;
      } else if (char === '$') {
        write(char);
        index++;
      } else {
        const text = match(TEMPLATE_TEXT);
        write(text);
        index += text.length;
      }
    }
  }

  /** Compact code until the end, or (inside `${…}`) until the brace that closes it. */
  function scan(untilClose: boolean): void {
    let depth = 0;
    while (index < source.length) {
      const char = source[index] as string;
      const next = source[index + 1];
      if (char === ' ' || char === '\t' || char === '\r' || char === '\n') {
        const blanks = match(BLANKS);
        if (blanks.includes('\n')) gap = 'line';
        else if (gap === 'none') gap = 'space';
        index += blanks.length;
      } else if (char === '/' && next === '/') {
        const end = source.indexOf('\n', index);
        index = end < 0 ? source.length : end;
      } else if (char === '/' && next === '*') {
        const end = source.indexOf('*/', index + 2);
        const comment = source.slice(index, end + 2);
        if (comment.includes('\n')) gap = 'line';
        else if (gap === 'none') gap = 'space';
        index = end + 2;
      } else {
        if (untilClose && char === '}' && depth === 0) {
          gap = 'none';
          return;
        }
        flushGap(char);
        if (char === "'" || char === '"') {
          copyString(char);
          lastWord = '';
        } else if (char === '`') {
          copyTemplate();
          lastWord = '';
        } else if (char === '/' && regexAllowed()) {
          copyRegex();
          lastWord = '';
        } else if (isWordChar(char)) {
          lastWord = match(WORD);
          write(lastWord);
          index += lastWord.length;
        } else if (OPERATOR_CHARACTERS.includes(char)) {
          // A run of operators and brackets, copied as it stands (no gap inside it to decide).
          const text = match(PUNCTUATION);
          write(text);
          lastWord = '';
          index += text.length;
        } else {
          if (char === '{') depth++;
          else if (char === '}') depth--;
          write(char);
          lastWord = '';
          index++;
        }
      }
    }
  }

  scan(false);
  return pieces.join('');
}
