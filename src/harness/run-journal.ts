import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rename, rm, stat, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { errorMessage, InvalidInputError, SandbenchError } from '../errors/sandbench-error.ts';
import { formatZodIssues } from '../schemas/format-zod-error.ts';
import { sampleResultSchema, type RunSummary, type SampleResult } from '../schemas/sample-result.ts';
import { ensureFolder } from '../util/ensure-folder.ts';
import { runManifestSchema, type RunManifest } from './run-manifest.ts';
import { describeRunTask } from './run-tasks.ts';
import type { Task } from '../schemas/task.ts';

/** Who holds a run folder: the process writing to it. */
const lockSchema = z.object({ pid: z.number().int(), host: z.string(), since: z.string() });

/** What reading the journal found, for resuming. */
export interface JournalContents {
  /** One record per (task, sample), the first one written when a sample appears twice. */
  samples: SampleResult[];
  /**
   * False when the file must be rewritten before anything is appended: a last line cut short by
   * a crash (dropped; its sample reruns), a last record without its newline, or duplicate records.
   */
  clean: boolean;
}

/** Whether a process with this pid exists on this host. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The run folder: `run.json` (manifest), `samples.jsonl` (append-only, one line per finished
 * sample, written as soon as the sample is scored so a crash loses nothing finished),
 * `tasks.jsonl` (each task's id, split, language and prompt, for reports),
 * `summary.json` (written at the end, atomically) and, while a process writes to it, `run.lock`.
 * Every file-system failure is a `SandbenchError` naming the path.
 */
export class RunJournal {
  readonly folder: string;
  readonly samplesPath: string;
  readonly #lockPath: string;
  #locked = false;
  #queue: Promise<void> = Promise.resolve();
  /** Lines waiting for the next write (it starts when the write before it ends). */
  #batch: Buffer[] | undefined;
  /** The journal, open for appending while samples are written (opened by the first append). */
  #appender: Promise<FileHandle> | undefined;

  constructor(folder: string) {
    this.folder = folder;
    this.samplesPath = join(folder, 'samples.jsonl');
    this.#lockPath = join(folder, 'run.lock');
  }

  /**
   * Take the folder for this process (creating it if needed): two processes must never write to
   * one run. A lock left by a dead process on this host is taken over.
   */
  async lock(): Promise<void> {
    await ensureFolder(this.folder, 'run folder');
    const mine = JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }) + '\n';
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        await writeFile(this.#lockPath, mine, { flag: 'wx' });
        this.#locked = true;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw this.#fault('cannot use', this.#lockPath, error, 'invalid-input');
      }
      const holder = lockSchema.safeParse(await readFile(this.#lockPath, 'utf8').then((text) => JSON.parse(text) as unknown, () => null));
      if (holder.success && holder.data.host === hostname() && !processAlive(holder.data.pid)) {
        await unlink(this.#lockPath).catch(() => {});
        continue;
      }
      const who = holder.success ? `pid ${holder.data.pid} on ${holder.data.host}, since ${holder.data.since}` : 'an unreadable lock';
      throw new InvalidInputError(
        `${this.folder} is in use by another sandbench process (${who}); if that process is gone, remove ${this.#lockPath}`,
        { code: 'run-exists', details: { folder: this.folder } },
      );
    }
    throw new InvalidInputError(`${this.folder}: could not take ${this.#lockPath}`, { code: 'run-exists' });
  }

  /** Give the folder back (waits for pending appends, and closes the journal). */
  async unlock(): Promise<void> {
    await this.#queue.catch(() => {});
    await this.#closeAppender();
    if (!this.#locked) return;
    this.#locked = false;
    await unlink(this.#lockPath).catch(() => {});
  }

  /**
   * Start a new run in the locked folder. A folder that already holds a run is refused: a second
   * run would overwrite the first one's manifest and mix into its journal.
   */
  async create(manifest: RunManifest): Promise<void> {
    if (await this.holdsRun()) {
      throw new InvalidInputError(`${this.folder} already holds a run: continue it with --resume, or choose another --out`, {
        code: 'run-exists',
        details: { folder: this.folder },
      });
    }
    await this.writeManifest(manifest);
    // Make sure the journal exists even if no sample finishes.
    try {
      await (await open(this.samplesPath, 'a')).close();
    } catch (error) {
      throw this.#fault('cannot write', this.samplesPath, error, 'invalid-input');
    }
  }

  /** Whether the folder holds a run (a manifest or a journal). */
  async holdsRun(): Promise<boolean> {
    for (const name of ['run.json', 'samples.jsonl']) {
      if (await stat(join(this.folder, name)).then(() => true, () => false)) return true;
    }
    return false;
  }

  /** Write `run.json` atomically (a resumed run updates its parts). */
  writeManifest(manifest: RunManifest): Promise<void> {
    return this.#writeAtomically(join(this.folder, 'run.json'), JSON.stringify(manifest, null, 2) + '\n');
  }

  /** The manifest of an existing run folder, or undefined when there is none. */
  async readManifest(): Promise<RunManifest | undefined> {
    const path = join(this.folder, 'run.json');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw this.#fault('cannot read', path, error, 'journal');
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new SandbenchError('journal', `${path}: not valid JSON: ${errorMessage(error)}`);
    }
    const parsed = runManifestSchema.safeParse(value);
    if (!parsed.success) {
      throw new SandbenchError('journal', `${path}: not a run manifest of this sandbench version: ${formatZodIssues(parsed.error.issues)}`);
    }
    return parsed.data;
  }

  /**
   * Samples already in the journal (for resume). A last line cut short by a crash is dropped;
   * any other malformed line is an error naming the line. A sample recorded twice keeps its
   * first record.
   */
  async readSamples(): Promise<JournalContents> {
    const samples: SampleResult[] = [];
    const seen = new Set<string>();
    let clean = true;
    let lineNumber = 0;
    let pendingError: SandbenchError | undefined;
    let stream;
    try {
      const info = await stat(this.samplesPath);
      if (info.size > 0) {
        // A record without its newline would have the next append glued to it.
        const handle = await open(this.samplesPath, 'r');
        try {
          const last = Buffer.alloc(1);
          await handle.read(last, 0, 1, info.size - 1);
          if (last[0] !== 0x0a) clean = false;
        } finally {
          await handle.close();
        }
      }
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
        const key = `${parsed.data.taskId}\u0000${parsed.data.sampleIndex}`;
        if (seen.has(key)) {
          clean = false;
          continue;
        }
        seen.add(key);
        samples.push(parsed.data);
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { samples: [], clean: true };
      if (SandbenchError.isInstance(error)) throw error;
      throw this.#fault('cannot read', this.samplesPath, error, 'journal');
    } finally {
      stream?.destroy();
    }
    // A bad final line is what an interrupted append leaves: drop it, the sample reruns.
    if (pendingError) clean = false;
    return { samples, clean };
  }

  /**
   * Append one sample as one line, written through to the file before the promise resolves (so a
   * crash loses nothing already appended). Appends are serialized, and a failed one fails every
   * later one. The journal stays open between appends (opening it per sample cost a third of the
   * host's time on fast runs).
   */
  append(sample: SampleResult): Promise<void> {
    const line = Buffer.from(JSON.stringify(sample) + '\n', 'utf8');
    // Lines that arrive while a write is in flight go out together in the next write: one
    // system call for several samples when they finish close together.
    if (this.#batch === undefined) {
      const batch: Buffer[] = [];
      this.#batch = batch;
      this.#queue = this.#queue.then(async () => {
        this.#batch = undefined;
        const data = batch.length === 1 ? batch[0]! : Buffer.concat(batch);
        try {
          this.#appender ??= open(this.samplesPath, 'a');
          const handle = await this.#appender;
          // A write to a regular file is whole unless the disk is full: loop on a short write anyway.
          let offset = 0;
          while (offset < data.length) offset += (await handle.write(data, offset)).bytesWritten;
        } catch (error) {
          throw this.#fault('cannot append to', this.samplesPath, error, 'journal');
        }
      });
    }
    this.#batch.push(line);
    return this.#queue;
  }

  /** Rewrite the journal with exactly these samples (before resuming). */
  async rewrite(samples: SampleResult[]): Promise<void> {
    // The file is replaced: an open handle would keep appending to the old one.
    await this.#queue.catch(() => {});
    await this.#closeAppender();
    await this.#writeAtomically(this.samplesPath, samples.map((sample) => JSON.stringify(sample) + '\n').join(''));
  }

  async #closeAppender(): Promise<void> {
    const appender = this.#appender;
    this.#appender = undefined;
    if (appender) await (await appender.catch(() => undefined))?.close().catch(() => {});
  }

  /** Write `tasks.jsonl` atomically: one line per task of the run (id, split, language, prompt). */
  async writeTasks(tasks: readonly Task[]): Promise<void> {
    const text = tasks.map((task) => JSON.stringify(describeRunTask(task)) + '\n').join('');
    await this.#writeAtomically(join(this.folder, 'tasks.jsonl'), text);
  }

  async writeSummary(summary: RunSummary): Promise<void> {
    await this.#queue;
    await this.#writeAtomically(join(this.folder, 'summary.json'), JSON.stringify(summary, null, 2) + '\n');
  }

  /** Remove `summary.json`: a run being resumed is not finished, and must not look it. */
  async removeSummary(): Promise<void> {
    await rm(join(this.folder, 'summary.json'), { force: true }).catch((error: unknown) => {
      throw this.#fault('cannot remove', join(this.folder, 'summary.json'), error, 'journal');
    });
  }

  async #writeAtomically(path: string, text: string): Promise<void> {
    // A name of its own, so that no two writers ever share a temporary file.
    const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await writeFile(temporary, text);
      await rename(temporary, path);
    } catch (error) {
      await unlink(temporary).catch(() => {});
      throw this.#fault('cannot write', path, error, 'journal');
    }
  }

  #fault(action: string, path: string, error: unknown, code: 'invalid-input' | 'journal'): SandbenchError {
    return new SandbenchError(code, `${path}: ${action}: ${errorMessage(error)}`, { cause: error, details: { path } });
  }
}
