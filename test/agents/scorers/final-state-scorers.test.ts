import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EpisodeRecord } from '../../../src/agents/episode.ts';
import { scoreCommand, scoreFile } from '../../../src/agents/scorers/final-state-scorers.ts';
import { scoreEpisode } from '../../../src/agents/scorers/score-episode.ts';
import { DockerSandbox } from '../../../src/sandboxes/docker-sandbox.ts';
import { IsolateSandbox } from '../../../src/sandboxes/isolate-sandbox.ts';
import type { SandboxSession } from '../../../src/sandboxes/sandbox.ts';
import { dockerForTests } from '../../helpers/docker-available.ts';

// Final-state scorers against a real Docker session: the files and commands below are an
// agent's leftovers in the episode's own container, read and run through the session.

const engine = await dockerForTests();

const episode: EpisodeRecord = {
  stopReason: 'submitted',
  answer: 'done',
  turns: [],
  toolCalls: [],
  usage: { inputTokens: 0, outputTokens: 0 },
  durationMs: 1,
};

describe.skipIf(!engine.available)('final-state scorers in a Docker session', () => {
  let sandbox: DockerSandbox;
  let session: SandboxSession;

  beforeAll(async () => {
    sandbox = new DockerSandbox({ poolSize: 1 });
    session = await sandbox.openSession!({
      language: 'python',
      files: {
        'out/report.txt': 'total: 42\n',
        'hostile.txt': `${'a'.repeat(40)}!\n`,
        'mathlib.py': 'def add(a, b):\n    return a + b\n',
        'tests/test_mathlib.py': 'import unittest\nfrom mathlib import add\n\nclass T(unittest.TestCase):\n    def test_add(self):\n        self.assertEqual(add(2, 3), 5)\n',
      },
    });
    // What an agent might leave behind: a large file and a link out of the work directory.
    const setup = await session.runCommand!({ argv: ['bash', '-c', 'head -c 2097152 /dev/zero > big.bin && ln -s /etc/passwd leak.txt'] });
    expect(setup.status).toBe('ok');
  });

  afterAll(async () => {
    await session?.dispose();
    await sandbox?.dispose();
  });

  it('exists: a regular file exists (even past the read cap); a missing file, a folder or a link out does not', async () => {
    expect(await scoreFile({ path: 'out/report.txt', exists: true }, session)).toMatchObject({ scorer: 'file', pass: true, score: 1, reason: 'out/report.txt exists' });
    expect(await scoreFile({ path: 'big.bin', exists: true }, session)).toMatchObject({ pass: true });
    const missing = await scoreFile({ path: 'out/missing.txt', exists: true }, session);
    expect(missing).toMatchObject({ pass: false, score: 0 });
    expect(missing.reason).toMatch(/^out\/missing\.txt does not exist or is not a regular file \(/);
    expect(await scoreFile({ path: 'out/missing.txt', exists: false }, session)).toMatchObject({ pass: true });
    expect(await scoreFile({ path: 'out', exists: true }, session)).toMatchObject({ pass: false });
    expect(await scoreFile({ path: 'leak.txt', exists: true }, session)).toMatchObject({ pass: false });
    expect(await scoreFile({ path: 'out/report.txt', exists: false }, session)).toMatchObject({ pass: false, reason: 'out/report.txt exists, and should not' });
  });

  it('equals (one final newline aside), contains, regex', async () => {
    expect((await scoreFile({ path: 'out/report.txt', equals: 'total: 42' }, session)).pass).toBe(true);
    expect((await scoreFile({ path: 'out/report.txt', equals: 'total: 42\n' }, session)).pass).toBe(true);
    const wrong = await scoreFile({ path: 'out/report.txt', equals: 'total: 43' }, session);
    expect(wrong.pass).toBe(false);
    expect(wrong.reason).toMatch(/^out\/report\.txt: .*total: 43.*total: 42/s);
    expect((await scoreFile({ path: 'out/report.txt', contains: ': 42' }, session)).pass).toBe(true);
    expect(await scoreFile({ path: 'out/report.txt', contains: ': 43' }, session)).toMatchObject({ pass: false, reason: 'out/report.txt: the file does not contain ": 43"' });
    expect((await scoreFile({ path: 'out/report.txt', regex: 'total: \\d+' }, session)).pass).toBe(true);
    expect((await scoreFile({ path: 'out/report.txt', regex: 'TOTAL: \\d+', flags: 'i' }, session)).pass).toBe(true);
    // Anchored: the whole file must match.
    expect((await scoreFile({ path: 'out/report.txt', regex: '\\d+' }, session)).pass).toBe(false);
  });

  it('a backtracking regex on a hostile file fails within the deadline instead of stalling the host', async () => {
    const result = await scoreFile({ path: 'hostile.txt', regex: '(a+)+$' }, session);
    expect(result.pass).toBe(false);
    expect(result.reason).toMatch(/took longer than 1000 ms \(catastrophic backtracking\?\)/);
  });

  it('content checks fail, saying why, on a file too large, a link out of the work directory, a missing file', async () => {
    expect((await scoreFile({ path: 'big.bin', contains: 'x' }, session)).reason).toMatch(/^big\.bin: cannot read it: too large/);
    expect((await scoreFile({ path: 'big.bin', contains: 'x', maxBytes: 4 * 1024 * 1024 }, session)).reason).toBe('big.bin: the file does not contain "x"');
    const leak = await scoreFile({ path: 'leak.txt', contains: 'root' }, session);
    expect(leak.pass).toBe(false);
    expect(leak.reason).toMatch(/^leak\.txt: cannot read it: .*symbolic link/);
    expect((await scoreFile({ path: 'nothing.txt', equals: '' }, session)).reason).toMatch(/^nothing\.txt: cannot read it: /);
  });

  it('command: exit 0 passes; a failure gives its exit code and last line; a checker sees the agent\'s files', async () => {
    const tests = await scoreCommand({ run: 'python3 -m unittest discover -s tests -q' }, session);
    expect(tests).toMatchObject({ scorer: 'command', pass: true, score: 1, reason: 'exit 0' });
    expect(tests.detail).toMatchObject({ status: 'ok', exitCode: 0 });
    const failing = await scoreCommand({ run: 'echo checking; echo "2 tests failed" >&2; exit 3' }, session);
    expect(failing).toMatchObject({ pass: false, score: 0, reason: 'exit 3: 2 tests failed' });
    expect(failing.detail).toMatchObject({ exitCode: 3, stdout: 'checking\n', stderr: '2 tests failed\n' });
  });

  it('command: a checker past its time limit or output cap fails, saying so', async () => {
    const slow = await scoreCommand({ run: 'sleep 10', timeoutMs: 500 }, session);
    expect(slow).toMatchObject({ pass: false, reason: 'ran past its time limit (500 ms)' });
    const loud = await scoreCommand({ run: 'yes', maxOutputBytes: 4096 }, session);
    expect(loud.pass).toBe(false);
    expect(loud.reason).toMatch(/^printed more than its output cap/);
  });

  it('scoreEpisode with the session: file, command and a custom scorer reading files, combined', async () => {
    const isolate = new IsolateSandbox({ workers: 1 });
    try {
      const result = await scoreEpisode({
        scorers: [
          { file: { path: 'out/report.txt', regex: 'total: \\d+' } },
          { command: { run: 'python3 -m unittest discover -s tests -q' }, name: 'unit tests' },
          { custom: { code: "export default ({ files }) => ({ pass: files['out/report.txt'].includes('42') && files['gone.txt'] === null, reason: 'read' })", files: ['out/report.txt', 'gone.txt'] } },
        ],
        episode,
        session,
        isolate,
      });
      expect(result).toMatchObject({ pass: true, score: 1 });
      expect(result.components.map((component) => [component.scorer, component.name, component.pass])).toEqual([
        ['file', 'out/report.txt', true],
        ['command', 'unit tests', true],
        ['custom', undefined, true],
      ]);
    } finally {
      await isolate.dispose();
    }
  });

  it('a session that is gone is a sandbox-error fault, not a failed sample', async () => {
    const gone = await sandbox.openSession!({ language: 'python' });
    await gone.dispose();
    const file = await scoreFile({ path: 'out/report.txt', exists: true }, gone);
    expect(file).toMatchObject({ pass: false, score: 0, fault: 'sandbox-error' });
    expect(file.reason).toMatch(/^the sandbox failed: /);
    expect(await scoreCommand({ run: 'true' }, gone)).toMatchObject({ pass: false, fault: 'sandbox-error' });
    const result = await scoreEpisode({ scorers: [{ answer: { equals: 'done' } }, { command: { run: 'true' } }], episode, session: gone });
    expect(result).toMatchObject({ pass: false, score: 0, fault: 'sandbox-error' });
    expect(result.faultMessage).toMatch(/^scorer 2 \(command "true"\): the sandbox failed: /);
  });
});
