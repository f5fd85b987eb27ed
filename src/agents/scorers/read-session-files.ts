import { SandboxError } from '../../errors/sandbench-error.ts';
import type { SandboxSession } from '../../sandboxes/sandbox.ts';

/** Most bytes read from one work-directory file for a scorer, unless the scorer says otherwise. */
export const DEFAULT_SCORER_FILE_BYTES = 1024 * 1024;

/** One work-directory file as a scorer sees it: its text (UTF-8), or why it could not be read. */
export type SessionFileText = { path: string; text: string } | { path: string; error: string };

/**
 * Read work-directory files of a session as UTF-8 text (invalid bytes become U+FFFD), at most
 * `maxBytes` each. A missing, linked, special or too large file is an entry with the session's
 * `error`; an engine fault throws its `SandboxError`.
 */
export async function readSessionTexts(session: SandboxSession, paths: readonly string[], maxBytes = DEFAULT_SCORER_FILE_BYTES): Promise<SessionFileText[]> {
  if (session.readFiles === undefined) {
    throw new SandboxError(`the ${session.backend} session cannot read files, which this scorer needs`, { code: 'unsupported', details: { backend: session.backend } });
  }
  if (paths.length === 0) return [];
  const collected = await session.readFiles([...paths], maxBytes);
  return paths.map((path) => {
    const file = collected.find((entry) => entry.path === path);
    if (file === undefined) return { path, error: 'the session returned nothing for it' };
    if (file.contentBase64 === undefined) return { path, error: file.error ?? 'not read' };
    return { path, text: Buffer.from(file.contentBase64, 'base64').toString('utf8') };
  });
}
