/**
 * Runs one guest program twice — through a real IsolateSandbox and through a real `node` child
 * process (the Node running the tests) — so a test can compare what the guest prelude prints with
 * what Node itself prints for the same program and stdin.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IsolateSandbox } from '../../../../src/sandboxes/isolate-sandbox.ts';

/** What one side printed and how it ended. */
export interface ProgramOutcome {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/** Both sides' outcomes for one program. */
export interface ParityOutcome {
  isolate: ProgramOutcome;
  node: ProgramOutcome;
}

/** Optional input for one program. */
export interface ParityInput {
  /** stdin as the sandbox API takes it (a string); the node child reads it UTF-8 encoded from a file. */
  stdin?: string;
}

/** A sandbox plus a scratch folder for node's copies of the programs; `dispose()` in afterAll. */
export class NodeParity {
  readonly #sandbox = new IsolateSandbox({ workers: 1 });
  readonly #folder = mkdtempSync(join(tmpdir(), 'sandbench-parity-'));
  #counter = 0;

  async run(program: string, input: ParityInput = {}): Promise<ParityOutcome> {
    const [isolate, node] = await Promise.all([this.runIsolate(program, input), this.runNode(program, input)]);
    return { isolate, node };
  }

  async runIsolate(program: string, input: ParityInput = {}): Promise<ProgramOutcome> {
    const result = await this.#sandbox.run({
      language: 'javascript',
      source: program,
      stdin: input.stdin ?? '',
      limits: { timeoutMs: 10_000 },
    });
    if (result.status !== 'ok' && result.status !== 'runtime-error') {
      throw new Error(`isolate run ended ${result.status}: ${result.message ?? ''}`);
    }
    return { stdout: result.stdout, stderr: result.stderr, exitCode: result.exitCode };
  }

  /** `node main.cjs` in a fresh folder: the CommonJS semantics the isolate's scripts follow. */
  async runNode(program: string, input: ParityInput = {}): Promise<ProgramOutcome> {
    const number = this.#counter++;
    const file = join(this.#folder, `program-${number}.cjs`);
    writeFileSync(file, program);
    // stdin from a file: `/dev/stdin` opens (it does not on the socket child_process makes).
    const stdinFile = join(this.#folder, `stdin-${number}.txt`);
    writeFileSync(stdinFile, input.stdin ?? '');
    const stdinFd = openSync(stdinFile, 'r');
    return new Promise<ProgramOutcome>((resolve, reject) => {
      const child = spawn(process.execPath, [file], {
        cwd: this.#folder,
        // No colours, no inherited NODE_OPTIONS: Node's plain output to pipes.
        env: { PATH: process.env.PATH ?? '', NO_COLOR: '1' },
        stdio: [stdinFd, 'pipe', 'pipe'],
      });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
      child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
      child.on('error', reject);
      child.on('close', (code) => {
        // Decoded as a whole, like a reader of the pipe would: invalid UTF-8 becomes U+FFFD here.
        resolve({ stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), exitCode: code });
      });
    }).finally(() => closeSync(stdinFd));
  }

  async dispose(): Promise<void> {
    await this.#sandbox.dispose();
    rmSync(this.#folder, { recursive: true, force: true });
  }
}

/** One corpus entry: a program, its stdin, and how to read Node's side (see `normalizeNode`). */
export interface CorpusEntry {
  program: string;
  stdin?: string;
  /** Compare stderr too (default true); off where only Node prints something host-specific. */
  compareStderr?: boolean;
}

/**
 * Node prints its real pid in process warnings (`(node:12345) Warning: …`); the isolate's process
 * has pid 1. The only rewriting of Node's output any parity test does.
 */
export function normalizeNode(text: string): string {
  return text.replace(/^\(node:\d+\) /gm, '(node:1) ');
}

/**
 * One test per corpus entry: the program's stdout, stderr and exit code through the isolate must
 * equal Node's for the same program and stdin.
 */
export function describeParity(title: string, corpus: Record<string, string | CorpusEntry>): void {
  describe(title, () => {
    let parity: NodeParity;
    beforeAll(() => {
      parity = new NodeParity();
    });
    afterAll(async () => {
      await parity.dispose();
    });
    for (const [name, entry] of Object.entries(corpus)) {
      it(name, async () => {
        const { program, stdin, compareStderr = true } = typeof entry === 'string' ? { program: entry } : entry;
        const { isolate, node } = await parity.run(program, stdin === undefined ? {} : { stdin });
        const seen = (outcome: ProgramOutcome) => ({
          stdout: normalizeNode(outcome.stdout),
          ...(compareStderr ? { stderr: normalizeNode(outcome.stderr) } : {}),
          exitCode: outcome.exitCode,
        });
        expect(seen(isolate)).toEqual(seen(node));
      });
    }
  });
}
