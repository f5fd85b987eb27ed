import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errorMessage, InvalidInputError } from '../errors/sandbench-error.ts';

/** Write an `--out` file, or fail with an input error naming the flag, the path and why. */
export async function writeOutputFile(path: string, text: string): Promise<void> {
  await writeFile(path, text).catch((error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `the folder ${dirname(path)} does not exist` : errorMessage(error);
    throw new InvalidInputError(`--out ${path}: cannot write: ${why}`);
  });
}
