import { existsSync, readFileSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { z } from 'zod';
import { formatZodIssues } from '../../schemas/format-zod-error.ts';

/**
 * The host side of the resident runner's protocol (see runner/runner.py). A frame is a uint32
 * big-endian header length, a UTF-8 JSON header, then the blobs whose sizes `header.blobs` lists.
 * One request is outstanding at a time: a container runs one job at a time.
 */

let runnerSource: string | undefined;

/**
 * Source of the resident runner, passed to `python3 -I -S -c` (nothing is copied into
 * containers). Read beside this module; from `dist/` the build must copy `runner/runner.py` too,
 * so fall back to the source tree.
 */
export function loadRunnerSource(): string {
  if (runnerSource !== undefined) return runnerSource;
  // Beside this module: in src/ as written, in dist/ as copied by the build.
  const candidates = [new URL('./runner/runner.py', import.meta.url)];
  for (const candidate of candidates) {
    if (existsSync(candidate)) return (runnerSource = readFileSync(candidate, 'utf8'));
  }
  throw new Error(`sandbench: the Docker runner source is missing (looked for ${candidates.map(String).join(', ')})`);
}

/** Largest header the host accepts from a runner. */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;

const helloSchema = z.object({
  type: z.literal('hello'),
  protocol: z.number().int(),
  python: z.string(),
  pid: z.number().int(),
  inContainer: z.boolean(),
  cgroup: z.enum(['v1', 'v2']).nullable(),
  pidfd: z.boolean(),
  dumpable: z.boolean(),
  /** Pid of the fork server that forks every job's process (null if it is not running). */
  forkServer: z.number().int().nullable(),
  /** The runner's own rlimits at start ({name: [soft, hard]}, -1 unlimited): jobs get these
   * for every limit their step does not set. */
  rlimits: z.record(z.string(), z.tuple([z.number().int(), z.number().int()])),
  blobs: z.array(z.number().int().nonnegative()),
});
/** The runner's first frame. */
export type RunnerHello = z.infer<typeof helloSchema>;

const stepFactsSchema = z.object({
  name: z.string(),
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  /** The runner stopped the step at a time limit (`timeLimit` says which). */
  timedOut: z.boolean(),
  /**
   * Which limit stopped it: `cpu` (the CPU time of its threads reached the CPU limit) or `wall`
   * (its wall time less its run-queue delay reached the wall limit); null when neither did.
   */
  timeLimit: z.enum(['cpu', 'wall']).nullable(),
  /**
   * Stopped at the backstop without reaching either limit: starved of CPU for a long multiple of
   * its wall limit. Not the program's doing; the host reports an engine fault.
   */
  starved: z.boolean(),
  /** Run-queue delay credited to the step (wall time not counted against it); null when unknown. */
  runQueueMs: z.number().nonnegative().nullable(),
  outputLimited: z.boolean(),
  stdoutTruncated: z.boolean(),
  stderrTruncated: z.boolean(),
  wallMs: z.number().nonnegative(),
  cpuMs: z.number().nonnegative().nullable(),
  maxRssBytes: z.number().nonnegative().nullable(),
  /** True when the container's OOM killer fired during the step; null when unknown (no cgroup). */
  oomKilled: z.boolean().nullable(),
  /** The program ended but processes it started were still alive (they were killed). */
  leftBehind: z.boolean(),
  pidsAfterExit: z.number().int().nullable(),
  /**
   * For a step with `completion`: whether the program's test code ran to its end (the marker was
   * the last stdout line, the process exited 0 right after; the marker line is removed from
   * stdout). Null for steps without `completion`.
   */
  testCompleted: z.boolean().nullable(),
});
/** How one step ended, as the runner saw it (raw facts; the host derives the status). */
export type StepFacts = z.infer<typeof stepFactsSchema>;

const resultSchema = z.object({
  type: z.literal('result'),
  id: z.number().int(),
  steps: z.array(stepFactsSchema),
  files: z.array(z.object({ path: z.string(), blob: z.number().int().nonnegative().optional(), error: z.string().optional() })),
  recycle: z.array(z.string()),
  /** A batch that stopped early after its compile step: the blob holding the compiled work directory. */
  snapshot: z.number().int().nonnegative().optional(),
  /** A batch that could not run at all past its compile step, and why. */
  stopped: z.string().optional(),
  blobs: z.array(z.number().int().nonnegative()),
});

const filesWrittenSchema = z.object({
  type: z.literal('files-written'),
  /** The entries that could not be written, and why (the others were). */
  errors: z.array(z.object({ path: z.string(), error: z.string() })),
  blobs: z.array(z.number().int().nonnegative()).max(0),
});

const filesReadSchema = z.object({
  type: z.literal('files'),
  files: z.array(z.object({ path: z.string(), blob: z.number().int().nonnegative().optional(), error: z.string().optional() })),
  blobs: z.array(z.number().int().nonnegative()),
});

const errorSchema = z.object({
  type: z.literal('error'),
  id: z.number().int().nullable().optional(),
  message: z.string(),
  recycle: z.array(z.string()).optional(),
  blobs: z.array(z.number().int().nonnegative()),
});

/** Sent while a job runs: a step starved of CPU runs past its wall limit, for up to `ms` more. */
const extendSchema = z.object({
  type: z.literal('extend'),
  id: z.number().int().nullable(),
  ms: z.number().int().nonnegative(),
  blobs: z.array(z.number().int().nonnegative()).max(0),
});

/** One step of a job, as the runner executes it. */
export interface RunnerStep {
  /** `compile` or `run`. */
  name: string;
  /** Program and arguments (never a shell string). */
  argv: string[];
  /** `exec`: fork and exec argv; `python-fork`: run `script` in a fork of the already-loaded runner. */
  mode: 'exec' | 'python-fork';
  /** For `python-fork`: the script path relative to the work directory. */
  script?: string;
  /** For `python-fork`: index of the script in argv (arguments after it become sys.argv[1:]). */
  scriptIndex?: number;
  /** For `python-fork`: behave as `python3 -u`. */
  unbuffered?: boolean;
  /** The whole environment of the step. */
  env: Record<string, string>;
  /** Wall limit: wall time less the time the step's threads waited for a CPU (see runner.py). */
  timeoutMs: number;
  /** CPU time of the step's threads. */
  cpuTimeMs: number;
  /**
   * Wall time after which a step starved of CPU, having reached neither limit, is stopped
   * without a verdict (`starved`); default 50 × `timeoutMs`, at most `timeoutMs` + 600 s.
   */
  backstopMs?: number;
  memoryBytes: number;
  maxOutputBytes: number;
  /** RLIMIT_FSIZE. */
  fileSizeBytes: number;
  /** RLIMIT_NOFILE. */
  openFiles: number;
  /** Which rlimit, if any, also caps memory (the container's cgroup always does). */
  memoryRlimit: 'none' | 'as' | 'data';
  /** Whether the step reads the job's stdin (otherwise it gets an empty stdin). */
  stdin: boolean;
  /** Ask the runner whether the program's test code runs to its end (see `RunnerCompletion`). */
  completion?: RunnerCompletion;
}

/**
 * How the runner learns that a program's test code ran to its end. The runner hands `marker`
 * to the job's process through a descriptor only (never in its source, files, environment or
 * argv); the job's harness prints it as the last stdout line once the test code returned
 * normally; the runner checks and removes it.
 */
export interface RunnerCompletion {
  /**
   * The harness: `python` (python-fork steps: program and test code as two code objects of one
   * file), `node` (a preload around main.js), `bash` (program and test in two bash processes).
   */
  kind: 'python' | 'node' | 'bash';
  /** A fresh random alphanumeric string (16 to 128 characters). */
  marker: string;
  /**
   * Where the test code starts in the source file: a UTF-8 byte offset (python, bash) or a
   * UTF-16 offset in main.js (node); -1 when unknown (TypeScript, transpiled).
   */
  testOffset: number;
}

/** One job: files, stdin, steps (the next runs only if the previous succeeded), files to collect. */
export interface RunnerJob {
  steps: RunnerStep[];
  /** Tar archive of the work files (see pack-files.ts). */
  files: Buffer;
  stdin: Buffer;
  /**
   * A batch: the steps before the last run once, then the last step once per entry (`stdin` is
   * then ignored), each run from a fresh copy of the work directory as those steps left it and
   * with everything between two runs cleaned and checked as between two jobs. The runner may
   * stop early (a run left the container unfit for the next); the result says how far it got.
   */
  stdins?: Buffer[];
  /** Work-directory paths read back after the last step. */
  collect: string[];
  /** Per-file cap for collected files. */
  collectMaxBytes: number;
  /**
   * Whether the host keeps the container after a job whose program failed (a non-zero exit, a
   * crash): the runner then prepares the next job's process right away, as after a clean job.
   */
  keepAfterFailure?: boolean;
  /**
   * A session's job: the runner keeps the work directory (and /tmp, /dev/shm) after the job
   * instead of emptying it, and writes `files` over what is there. Processes are killed after
   * the job all the same. Not for batches.
   */
  keepWorkdir?: boolean;
}

/** One step's facts with its captured output. */
export interface RunnerStepResult extends StepFacts {
  stdout: Buffer;
  stderr: Buffer;
}

/** What came back for one job. */
export interface RunnerJobResult {
  steps: RunnerStepResult[];
  files: Array<{ path: string; content?: Buffer; error?: string }>;
  /** Why the runner asks for its container to be replaced (empty: reusable). */
  recycle: string[];
  /** Batches: the compiled work directory (a tar), when the batch stopped early after compiling. */
  snapshot?: Buffer;
  /** Batches: why no run could follow the compile step (`snapshot-too-large`). */
  stopped?: string;
}

/** The runner's stream ended or failed (the container stopped, the engine dropped the connection). */
export class RunnerGoneError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RunnerGoneError';
  }
}

/** The runner did not answer in time. */
export class RunnerTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunnerTimeoutError';
  }
}

/** The runner refused a job or broke the protocol: an engine fault, never the guest's. */
export class RunnerProtocolError extends Error {
  /** Recycle reasons the runner gave with its error, if any. */
  readonly recycle: string[];
  constructor(message: string, recycle: string[] = []) {
    super(message);
    this.name = 'RunnerProtocolError';
    this.recycle = recycle;
  }
}

interface Frame {
  header: Record<string, unknown>;
  blobs: Buffer[];
}

interface Pending {
  resolve: (frame: Frame) => void;
  reject: (error: Error) => void;
  /** Move the request's deadline later (the runner said a starved step runs on). */
  extend?: (ms: number) => void;
}

/** Encode one frame. */
export function encodeFrame(header: Record<string, unknown>, blobs: readonly Buffer[] = []): Buffer {
  const json = Buffer.from(JSON.stringify({ ...header, blobs: blobs.map((blob) => blob.length) }), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length, 0);
  return Buffer.concat([length, json, ...blobs]);
}

/** Incremental frame decoder: feed chunks, get whole frames. */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private header: Record<string, unknown> | null = null;
  private blobSizes: number[] = [];
  private needed = 4;

  /** Append a chunk; returns the frames it completed. Throws on a malformed stream. */
  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.header === null) {
        if (this.buffered < 4) break;
        const length = this.peek(4).readUInt32BE(0);
        if (length > MAX_HEADER_BYTES) throw new RunnerProtocolError(`runner sent a ${length}-byte header`);
        if (this.buffered < 4 + length) break;
        this.take(4);
        let parsed: unknown;
        try {
          parsed = JSON.parse(this.take(length).toString('utf8'));
        } catch (error) {
          throw new RunnerProtocolError(`runner sent a header that is not JSON: ${(error as Error).message}`);
        }
        const sizes = (parsed as { blobs?: unknown } | null)?.blobs;
        if (
          typeof parsed !== 'object' ||
          parsed === null ||
          !Array.isArray(sizes) ||
          !sizes.every((size) => Number.isInteger(size) && (size as number) >= 0)
        ) {
          throw new RunnerProtocolError('runner sent a header without valid blob sizes');
        }
        this.header = parsed as Record<string, unknown>;
        this.blobSizes = sizes as number[];
        this.needed = this.blobSizes.reduce((sum, size) => sum + size, 0);
      }
      if (this.buffered < this.needed) break;
      const blobs = this.blobSizes.map((size) => this.take(size));
      frames.push({ header: this.header, blobs });
      this.header = null;
      this.needed = 4;
    }
    return frames;
  }

  private peek(count: number): Buffer {
    if (this.chunks[0]!.length < count) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, count);
  }

  private take(count: number): Buffer {
    if (count === 0) return Buffer.alloc(0);
    if (this.chunks[0]!.length < count) this.chunks = [Buffer.concat(this.chunks)];
    const first = this.chunks[0]!;
    const out = first.subarray(0, count);
    if (first.length === count) this.chunks.shift();
    else this.chunks[0] = first.subarray(count);
    this.buffered -= count;
    // Copy so a small blob never pins a large chunk.
    return Buffer.from(out);
  }
}

/** Streams to and from a runner: a child's stdio in tests, the demuxed attach stream in containers. */
export interface RunnerStreams {
  /** The runner's stdout (protocol frames): a Readable, or anything emitting the same events. */
  fromRunner: RunnerOutput;
  /** The runner's stdin. */
  toRunner: Writable;
  /** The runner's stderr (diagnostics), when available. */
  diagnostics?: RunnerOutput;
}

/** What the connection needs of the runner's output: 'data', 'end', 'close' and 'error' events. */
export interface RunnerOutput {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

const STDERR_TAIL_BYTES = 4096;

/** A connection to one resident runner. */
export class RunnerConnection {
  /** Resolves with the runner's hello frame; rejects if the runner goes away first. */
  readonly hello: Promise<RunnerHello>;
  private readonly streams: RunnerStreams;
  private readonly decoder = new FrameDecoder();
  private pending: Pending | null = null;
  private goneError: Error | null = null;
  private nextId = 1;
  private stderrTail = '';
  private readonly closeListeners: Array<(error: Error) => void> = [];

  constructor(streams: RunnerStreams) {
    this.streams = streams;
    let helloResolve!: (frame: Frame) => void;
    let helloReject!: (error: Error) => void;
    const helloFrame = new Promise<Frame>((resolve, reject) => {
      helloResolve = resolve;
      helloReject = reject;
    });
    this.pending = { resolve: helloResolve, reject: helloReject };
    this.hello = helloFrame.then((frame) => {
      const parsed = helloSchema.safeParse(frame.header);
      if (!parsed.success) throw new RunnerProtocolError(`bad hello from runner: ${formatZodIssues(parsed.error.issues)}`);
      return parsed.data;
    });
    // Avoid an unhandled rejection when nobody awaited the hello before the runner went away.
    this.hello.catch(() => {});

    streams.fromRunner.on('data', (chunk: Buffer) => this.onData(chunk));
    streams.fromRunner.on('end', () => this.fail(new RunnerGoneError(this.describeGone('the runner closed its output'))));
    streams.fromRunner.on('close', () => this.fail(new RunnerGoneError(this.describeGone('the runner stream closed'))));
    streams.fromRunner.on('error', (error) => this.fail(new RunnerGoneError(this.describeGone(`runner stream error: ${error.message}`), { cause: error })));
    streams.toRunner.on('error', (error) => this.fail(new RunnerGoneError(this.describeGone(`runner input error: ${error.message}`), { cause: error })));
    streams.diagnostics?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
  }

  /** True once the stream ended or failed. */
  get gone(): boolean {
    return this.goneError !== null;
  }

  /** The runner's recent stderr (diagnostics), for error messages. */
  get diagnostics(): string {
    return this.stderrTail;
  }

  /** Called once when the connection ends for any reason. */
  onGone(listener: (error: Error) => void): void {
    if (this.goneError) listener(this.goneError);
    else this.closeListeners.push(listener);
  }

  /** Round trip a ping. */
  async ping(timeoutMs: number): Promise<void> {
    const frame = await this.request({ type: 'ping' }, [], timeoutMs);
    if (frame.header.type !== 'pong') throw new RunnerProtocolError(`expected pong, got ${String(frame.header.type)}`);
  }

  /** Send one job and wait for its result (at most `timeoutMs`). */
  async runJob(job: RunnerJob, timeoutMs: number): Promise<RunnerJobResult> {
    const id = this.nextId++;
    const header = {
      type: 'job',
      id,
      steps: job.steps,
      collect: job.collect,
      collectMaxBytes: job.collectMaxBytes,
      keepAfterFailure: job.keepAfterFailure === true,
      ...(job.keepWorkdir === true ? { keepWorkdir: true } : {}),
      ...(job.stdins ? { batch: true } : {}),
    };
    if (job.stdins?.length === 0) throw new RunnerProtocolError('a batch needs at least one stdin');
    const frame = await this.request(header, [job.files, ...(job.stdins ?? [job.stdin])], timeoutMs);
    if (frame.header.type === 'error') {
      const parsed = errorSchema.safeParse(frame.header);
      const message = parsed.success ? parsed.data.message : 'malformed error frame';
      throw new RunnerProtocolError(`runner refused job ${id}: ${message}`, parsed.success ? (parsed.data.recycle ?? []) : []);
    }
    const parsed = resultSchema.safeParse(frame.header);
    if (!parsed.success) throw new RunnerProtocolError(`bad result from runner: ${formatZodIssues(parsed.error.issues)}`);
    const result = parsed.data;
    if (result.id !== id) throw new RunnerProtocolError(`runner answered job ${result.id}, expected ${id}`);
    const expectedBlobs = result.steps.length * 2 + result.files.filter((file) => file.blob !== undefined).length + (result.snapshot !== undefined ? 1 : 0);
    if (frame.blobs.length !== expectedBlobs) throw new RunnerProtocolError('runner result has the wrong number of blobs');
    const snapshot = result.snapshot !== undefined ? frame.blobs[result.snapshot] : undefined;
    if (result.snapshot !== undefined && snapshot === undefined) throw new RunnerProtocolError('the batch snapshot has no blob');
    return {
      ...(snapshot ? { snapshot } : {}),
      ...(result.stopped !== undefined ? { stopped: result.stopped } : {}),
      steps: result.steps.map((facts, index) => ({
        ...facts,
        stdout: frame.blobs[index * 2]!,
        stderr: frame.blobs[index * 2 + 1]!,
      })),
      files: result.files.map((file) => {
        const entry: { path: string; content?: Buffer; error?: string } = { path: file.path };
        if (file.blob !== undefined) {
          const content = frame.blobs[file.blob];
          if (content === undefined) throw new RunnerProtocolError(`collected file '${file.path}' has no content blob`);
          entry.content = content;
        }
        if (file.error !== undefined) entry.error = file.error;
        return entry;
      }),
      recycle: result.recycle,
    };
  }

  /**
   * Between a session's jobs: write a tar of files over its work directory (regular files
   * replaced; a path that is or passes through a symbolic link refused). Returns the entries that
   * could not be written; throws `RunnerProtocolError` for an archive the runner refuses.
   */
  async writeFiles(files: Buffer, timeoutMs: number): Promise<Array<{ path: string; error: string }>> {
    const frame = await this.request({ type: 'write-files' }, [files], timeoutMs);
    if (frame.header.type === 'error') {
      const parsed = errorSchema.safeParse(frame.header);
      throw new RunnerProtocolError(`runner refused the files: ${parsed.success ? parsed.data.message : 'malformed error frame'}`);
    }
    const parsed = filesWrittenSchema.safeParse(frame.header);
    if (!parsed.success) throw new RunnerProtocolError(`bad files-written answer from runner: ${formatZodIssues(parsed.error.issues)}`);
    return parsed.data.errors;
  }

  /**
   * Between a session's jobs: read work-directory files as a job's `collect` does (at most
   * `maxBytes` each, never following a link out of the work directory).
   */
  async readFiles(paths: string[], maxBytes: number, timeoutMs: number): Promise<Array<{ path: string; content?: Buffer; error?: string }>> {
    const frame = await this.request({ type: 'read-files', paths, maxBytes }, [], timeoutMs);
    const parsed = filesReadSchema.safeParse(frame.header);
    if (!parsed.success) throw new RunnerProtocolError(`bad files answer from runner: ${formatZodIssues(parsed.error.issues)}`);
    if (frame.blobs.length !== parsed.data.files.filter((file) => file.blob !== undefined).length) {
      throw new RunnerProtocolError('runner files answer has the wrong number of blobs');
    }
    return parsed.data.files.map((file) => {
      const entry: { path: string; content?: Buffer; error?: string } = { path: file.path };
      if (file.blob !== undefined) {
        const content = frame.blobs[file.blob];
        if (content === undefined) throw new RunnerProtocolError(`file '${file.path}' has no content blob`);
        entry.content = content;
      }
      if (file.error !== undefined) entry.error = file.error;
      return entry;
    });
  }

  /** Ask the runner to exit (best effort) and stop listening. */
  close(): void {
    if (!this.goneError) {
      try {
        this.streams.toRunner.write(encodeFrame({ type: 'shutdown' }));
      } catch {
        // Already closed.
      }
    }
    this.fail(new RunnerGoneError('connection closed by the host'));
    this.streams.toRunner.end();
  }

  private async request(header: Record<string, unknown>, blobs: Buffer[], timeoutMs: number): Promise<Frame> {
    await this.hello;
    if (this.goneError) throw this.goneError;
    if (this.pending) throw new RunnerProtocolError('a request is already in flight on this runner');
    return new Promise<Frame>((resolve, reject) => {
      let allowedMs = timeoutMs;
      const started = performance.now();
      const expire = (): void => {
        this.pending = null;
        reject(new RunnerTimeoutError(`runner did not answer within ${Math.round(allowedMs)} ms`));
      };
      let timer = setTimeout(expire, timeoutMs);
      this.pending = {
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
        extend: (ms) => {
          clearTimeout(timer);
          allowedMs += ms;
          timer = setTimeout(expire, Math.max(0, started + allowedMs - performance.now()));
        },
      };
      this.streams.toRunner.write(encodeFrame(header, blobs));
    });
  }

  private onData(chunk: Buffer): void {
    if (this.goneError) return;
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      this.fail(error as Error);
      return;
    }
    for (const frame of frames) {
      const pending = this.pending;
      if (!pending) {
        this.fail(new RunnerProtocolError(`unexpected frame from runner: ${String(frame.header.type)}`));
        return;
      }
      if (frame.header.type === 'extend') {
        const parsed = extendSchema.safeParse(frame.header);
        if (!parsed.success || !pending.extend) {
          this.fail(new RunnerProtocolError('runner sent a malformed or unexpected extend frame'));
          return;
        }
        pending.extend(parsed.data.ms);
        continue;
      }
      this.pending = null;
      pending.resolve(frame);
    }
  }

  private fail(error: Error): void {
    if (this.goneError) return;
    this.goneError = error;
    const pending = this.pending;
    this.pending = null;
    pending?.reject(error);
    for (const listener of this.closeListeners.splice(0)) listener(error);
  }

  private describeGone(what: string): string {
    const tail = this.stderrTail.trim();
    return tail ? `${what}; runner stderr: ${tail.slice(-1000)}` : what;
  }
}
