import { createReadStream } from 'node:fs';
import { appendFile, open, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { InvalidInputError, SandbenchError } from '../errors/sandbench-error.ts';
import { formatZodIssues } from '../schemas/format-zod-error.ts';
import { ensureFolder } from '../util/ensure-folder.ts';
import { runManifestSchema, type RunManifest } from './run-manifest.ts';
import { sampleResultSchema, type RunSummary, type SampleResult } from '../schemas/sample-result.ts';

/**
 * The run folder: `run.json` (manifest), `samples.jsonl` (append-only, one line per finished
 * sample, written as soon as the sample is scored so a crash loses nothing finished) and
 * `summary.json` (written at the end, atomically).
 */
export class RunJournal {
  readonly folder: string;
  readonly samplesPath: string;
  #queue: Promise<void> = Promise.resolve();

  constructor(folder: string) {
    this.folder = folder;
    this.samplesPath = join(folder, 'samples.jsonl');
  }

  /**
   * Start a new run in the folder (created if needed). A folder that already holds a run is
   * refused: a second run would overwrite the first one's manifest and mix into its journal.
   */
  async create(manifest: RunManifest): Promise<void> {
    await ensureFolder(this.folder, 'run folder');
    if (await this.holdsRun()) {
      throw new InvalidInputError(
        `${this.folder} already holds a run: continue it with --resume, or choose another --out`,
        { code: 'run-exists', details: { folder: this.folder } },
      );
    }
    await this.writeManifest(manifest);
    // Make sure the journal exists even if no sample finishes.
    const handle = await open(this.samplesPath, 'a');
    await handle.close();
  }

  /** Whether the folder holds a run (a manifest or a journal). */
  async holdsRun(): Promise<boolean> {
    for (const name of ['run.json', 'samples.jsonl']) {
      if (await stat(join(this.folder, name)).then(() => true, () => false)) return true;
    }
    return false;
  }

  /** Write `run.json` atomically (a resumed run updates its parts). */
  async writeManifest(manifest: RunManifest): Promise<void> {
    const path = join(this.folder, 'run.json');
    await writeFile(path + '.tmp', JSON.stringify(manifest, null, 2) + '\n');
    await rename(path + '.tmp', path);
  }

  /** The manifest of an existing run folder, or undefined when there is none. */
  async readManifest(): Promise<RunManifest | undefined> {
    const path = join(this.folder, 'run.json');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new SandbenchError('journal', `${path}: unreadable: ${(error as Error).message}`);
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new SandbenchError('journal', `${path}: not valid JSON: ${(error as Error).message}`);
    }
    const parsed = runManifestSchema.safeParse(value);
    if (!parsed.success) {
      throw new SandbenchError('journal', `${path}: not a run manifest of this sandbench version: ${formatZodIssues(parsed.error.issues)}`);
    }
    return parsed.data;
  }

  /**
   * Samples already in the journal (for resume). A last line cut short by a crash is skipped;
   * any other malformed line is an error naming the line.
   */
  async readSamples(): Promise<{ samples: SampleResult[]; skippedPartialLine: boolean }> {
    const samples: SampleResult[] = [];
    let lineNumber = 0;
    let pendingError: SandbenchError | undefined;
    let skippedPartialLine = false;
    let stream;
    try {
      stream = createReadStream(this.samplesPath, { encoding: 'utf8' });
      const lines = createInterface({ input: stream, crlfDelay: Infinity });
      for await (const line of lines) {
        lineNumber += 1;
        if (pendingError) throw pendingError;
        if (line.trim() === '') continue;
        let value: unknown;
        try {
          value = JSON.parse(line);
        } catch {
          pendingError = new SandbenchError('journal', `${this.samplesPath}:${lineNumber}: not valid JSON`);
          continue;
        }
        const parsed = sampleResultSchema.safeParse(value);
        if (!parsed.success) {
          throw new SandbenchError('journal', `${this.samplesPath}:${lineNumber}: not a sample record: ${parsed.error.issues[0]?.message}`);
        }
        samples.push(parsed.data);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { samples: [], skippedPartialLine: false };
      throw error;
    } finally {
      stream?.destroy();
    }
    // A bad final line is what an interrupted append leaves: drop it, the sample reruns.
    if (pendingError) skippedPartialLine = true;
    return { samples, skippedPartialLine };
  }

  /** Append one sample; appends are serialized so lines never interleave. */
  append(sample: SampleResult): Promise<void> {
    const line = JSON.stringify(sample) + '\n';
    this.#queue = this.#queue.then(() => appendFile(this.samplesPath, line));
    return this.#queue;
  }

  /** Rewrite the journal without a trailing partial line (before resuming). */
  async rewrite(samples: SampleResult[]): Promise<void> {
    const temporary = this.samplesPath + '.tmp';
    await writeFile(temporary, samples.map((sample) => JSON.stringify(sample) + '\n').join(''));
    await rename(temporary, this.samplesPath);
  }

  async writeSummary(summary: RunSummary): Promise<void> {
    await this.#queue;
    const temporary = join(this.folder, 'summary.json.tmp');
    await writeFile(temporary, JSON.stringify(summary, null, 2) + '\n');
    await rename(temporary, join(this.folder, 'summary.json'));
  }
}
