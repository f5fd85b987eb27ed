/**
 * The two ways the HTML report puts data into its page: as HTML text or attribute values
 * (`escapeHtml`), and as JSON inside a `<script type="application/json">` data block
 * (`jsonForScript`). Everything a model or a program wrote goes through one of them, so it can
 * only ever be text.
 */

const HTML_REPLACEMENTS: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  // Harmless in HTML text, but a line terminator in older JavaScript: never written raw, so no
  // part of the page can break a script if it ever ends up in one.
  '\u2028': '&#x2028;',
  '\u2029': '&#x2029;',
};

/** `text` as HTML text or a quoted attribute value: `&`, `<`, `>`, both quotes, U+2028 and U+2029 escaped. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'\u2028\u2029]/g, (character) => HTML_REPLACEMENTS[character]!);
}

const SCRIPT_REPLACEMENTS: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * `value` as JSON that can sit inside a `<script>` element: `<`, `>`, `&`, U+2028 and U+2029 are
 * written as `\uXXXX` escapes, so no string in it can close the element (`</script>`), open a
 * comment (`<!--`) or end a line; `JSON.parse` of the element's text gives `value` back.
 */
export function jsonForScript(value: unknown): string {
  // `JSON.stringify(undefined)` gives undefined, not text: written as `null`.
  return (JSON.stringify(value) ?? 'null').replace(/[<>&\u2028\u2029]/g, (character) => SCRIPT_REPLACEMENTS[character]!);
}
