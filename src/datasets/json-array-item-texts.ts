/**
 * The source text of each item of the array under `key` in a JSON object, as written: a JSON
 * number decoded into JavaScript loses digits beyond 2^53 and the `.0` of `1.0`, and a decoded
 * object reorders integer-like keys, while a program that decodes the item's own text (Python's
 * `json.loads`, as a dataset's harness did) sees exactly what the harness saw.
 *
 * `text` must be valid JSON (the caller has parsed it): this only finds where values begin and
 * end. Like `JSON.parse`, the last member of a repeated key wins. Returns `undefined` when the
 * text is not an object or its member `key` is missing or not an array.
 */
export function jsonArrayItemTexts(text: string, key: string): string[] | undefined {
  let position = skipWhitespace(text, 0);
  if (text[position] !== '{') return undefined;
  let found: { start: number; end: number } | undefined;
  position = skipWhitespace(text, position + 1);
  while (text[position] === '"') {
    const keyEnd = valueEnd(text, position);
    const name = JSON.parse(text.slice(position, keyEnd)) as string;
    // Past the key, the colon and the whitespace around it.
    const start = skipWhitespace(text, skipWhitespace(text, keyEnd) + 1);
    const end = valueEnd(text, start);
    if (name === key) found = { start, end };
    position = skipWhitespace(text, end);
    if (text[position] === ',') position = skipWhitespace(text, position + 1);
  }
  if (found === undefined || text[found.start] !== '[') return undefined;
  const items: string[] = [];
  position = skipWhitespace(text, found.start + 1);
  while (position < found.end - 1) {
    const end = valueEnd(text, position);
    items.push(text.slice(position, end));
    position = skipWhitespace(text, end);
    if (text[position] === ',') position = skipWhitespace(text, position + 1);
  }
  return items;
}

/** The first position at or after `position` that is not JSON whitespace. */
function skipWhitespace(text: string, position: number): number {
  let index = position;
  while (index < text.length && (text[index] === ' ' || text[index] === '\t' || text[index] === '\n' || text[index] === '\r')) index++;
  return index;
}

/** Where the string whose opening quote is at `position` ends (after its closing quote). */
function stringEnd(text: string, position: number): number {
  let index = position + 1;
  while (index < text.length) {
    const character = text[index];
    if (character === '\\') index += 2;
    else if (character === '"') return index + 1;
    else index++;
  }
  return index;
}

/** Where the value that begins at `position` ends. */
function valueEnd(text: string, position: number): number {
  const first = text[position];
  if (first === '"') return stringEnd(text, position);
  if (first === '[' || first === '{') {
    let depth = 0;
    let index = position;
    while (index < text.length) {
      const character = text[index];
      if (character === '"') {
        index = stringEnd(text, index);
        continue;
      }
      if (character === '[' || character === '{') depth++;
      else if (character === ']' || character === '}') {
        depth--;
        if (depth === 0) return index + 1;
      }
      index++;
    }
    return index;
  }
  // A number or a literal (true, false, null): up to the next delimiter.
  let index = position;
  while (index < text.length && !',]} \t\n\r'.includes(text[index] as string)) index++;
  return index;
}
