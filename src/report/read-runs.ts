import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { errorMessage, InvalidInputError } from '../errors/sandbench-error.ts';
import { formatZodIssues } from '../schemas/format-zod-error.ts';
import { runSummarySchema, type RunSummary } from '../schemas/sample-result.ts';

/** Finished runs read from run folders, and the folders passed over with the reason. */
export interface ReadRuns {
  summaries: Array<RunSummary & { folder: string }>;
  skipped: Array<{ folder: string; reason: string }>;
}

/** Why a folder holds no finished run, or undefined with its summary when it does. */
async function readSummary(folder: string): Promise<{ summary?: RunSummary; reason?: string }> {
  const path = join(folder, 'summary.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return { reason: `cannot read ${path}: ${errorMessage(error)}` };
    const started = await readFile(join(folder, 'run.json'), 'utf8').then(() => true, () => false);
    return {
      reason: started
        ? 'not finished (interrupted or still running): continue it with run … --resume --out ' + folder
        : 'not a run folder (no summary.json, no run.json)',
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { reason: `${path}: not valid JSON: ${errorMessage(error)}` };
  }
  const parsed = runSummarySchema.safeParse(value);
  if (!parsed.success) return { reason: `${path}: not a run summary of this sandbench version: ${formatZodIssues(parsed.error.issues)}` };
  return { summary: parsed.data };
}

/** Whether a folder holds a run's files (a summary or a manifest). */
async function holdsRunFiles(folder: string): Promise<boolean> {
  for (const name of ['summary.json', 'run.json']) {
    if (await stat(join(folder, name)).then(() => true, () => false)) return true;
  }
  return false;
}

/** The subfolders of a folder that hold runs (a multi-model run's folder holds one per model), sorted. */
async function runSubfolders(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const entry of entries.filter((candidate) => candidate.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    if (await holdsRunFiles(join(folder, entry.name))) found.push(join(folder, entry.name));
  }
  return found;
}

/**
 * The summaries of finished runs. Folders named by the caller must each hold a finished run (an
 * error names the first that does not); with none named, every folder under `runsFolder` is
 * read and those that are not finished runs are listed in `skipped`. Either way a folder that is
 * not itself a run but holds runs (what `run` writes for several models) stands for them.
 */
export async function readRuns(folders: readonly string[], runsFolder = 'runs'): Promise<ReadRuns> {
  const named = folders.length > 0;
  let targets = [...folders];
  if (!named) {
    const entries = await readdir(runsFolder, { withFileTypes: true }).catch(() => []);
    targets = entries.filter((entry) => entry.isDirectory()).map((entry) => join(runsFolder, entry.name)).sort();
  }
  const expanded: string[] = [];
  for (const folder of targets) {
    const children = (await holdsRunFiles(folder)) ? [] : await runSubfolders(folder);
    expanded.push(...(children.length > 0 ? children : [folder]));
  }
  const result: ReadRuns = { summaries: [], skipped: [] };
  for (const folder of expanded) {
    const { summary, reason } = await readSummary(folder);
    if (summary) result.summaries.push({ ...summary, folder });
    else if (named) throw new InvalidInputError(`${folder}: ${reason}`, { details: { folder } });
    else result.skipped.push({ folder, reason: reason! });
  }
  return result;
}
