import { fileURLToPath } from 'node:url';

/** The package's root folder (this file is `<root>/src|dist/sandboxes/isolate/…`), as a path and a URL. */
const ROOT_URL = new URL('../../../', import.meta.url).href.replace(/\/$/, '');
const ROOT_PATH = fileURLToPath(ROOT_URL);

/** A stack frame line that points into the host: a file URL, an absolute path with a position, Node's internals. */
const HOST_FRAME = /^\s*at\s(?:.*(?:file:\/\/|node:internal[/:])|(?:.*[\s(])?\/[^\s():]+:\d+(?::\d+)?\)?\s*$)/;

/** True for a stack frame line (`    at …`) that belongs to the host, not the guest. */
export function isHostFrame(line: string): boolean {
  return HOST_FRAME.test(line);
}

/**
 * Text the worker or the pool produced for a guest (an exception's description, a lost worker's
 * last words) with the host's install paths replaced by `<sandbench>`: a guest must not learn
 * where the engine lives. Guest output itself is never passed through this.
 */
export function redactHostPaths(text: string): string {
  if (!text.includes(ROOT_PATH)) return text;
  return text.split(ROOT_URL).join('<sandbench>').split(ROOT_PATH).join('<sandbench>');
}
