import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { errorMessage, InvalidInputError } from '../errors/sandbench-error.ts';

const gunzipAsync = promisify(gunzip);

/** One parsed line of a JSONL file. */
export interface JsonlRecord {
  /** 1-based line number in the (decompressed) file. */
  line: number;
  /** The line's JSON value, not yet validated. */
  value: unknown;
}

/** A path as the user will recognize it in a message: relative to the working folder when inside it. */
export function displayPath(file: string): string {
  const shown = relative(process.cwd(), file);
  return shown === '' || shown.startsWith('..') ? file : shown;
}

/**
 * Read a JSON Lines file, gzip-compressed or not (told apart by the gzip magic bytes, not the
 * name). Blank lines are skipped but keep their number; a UTF-8 byte-order mark is dropped.
 * Every failure is an `InvalidInputError` with code `dataset` naming `file:line`.
 */
export async function readJsonl(file: string): Promise<JsonlRecord[]> {
  const shown = displayPath(file);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new InvalidInputError(`${shown}: cannot read: ${errorMessage(error)}`, { code: 'dataset', details: { file }, cause: error });
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = await gunzipAsync(bytes);
    } catch (error) {
      throw new InvalidInputError(`${shown}: cannot decompress (corrupt gzip?): ${errorMessage(error)}`, {
        code: 'dataset',
        details: { file },
        cause: error,
      });
    }
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new InvalidInputError(`${shown}: not UTF-8 text`, { code: 'dataset', details: { file } });
  }
  const records: JsonlRecord[] = [];
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const raw = (lines[index] as string).trim();
    if (raw === '') continue;
    try {
      records.push({ line: index + 1, value: JSON.parse(raw) as unknown });
    } catch (error) {
      throw new InvalidInputError(`${shown}:${index + 1}: invalid JSON: ${errorMessage(error)}`, {
        code: 'dataset',
        details: { file, line: index + 1 },
      });
    }
  }
  return records;
}
