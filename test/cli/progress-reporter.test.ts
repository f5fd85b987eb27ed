import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProgressReporter, HEARTBEAT_MS } from '../../src/cli/progress-reporter.ts';

/** A stand-in for process.stderr that records what is written. */
function fakeStream(isTTY: boolean, columns?: number) {
  const writes: string[] = [];
  const stream = {
    isTTY,
    columns,
    write(chunk: string) {
      writes.push(String(chunk));
      return true;
    },
    // cli-progress probes these on a terminal.
    cursorTo() {
      return true;
    },
    clearLine() {
      return true;
    },
    moveCursor() {
      return true;
    },
    on() {
      return stream;
    },
    removeListener() {
      return stream;
    },
  };
  return { stream: stream as unknown as NodeJS.WriteStream, writes };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('progress without a terminal', () => {
  it('writes a line at every tenth and at least every 10 s while nothing finishes', () => {
    vi.useFakeTimers();
    const { stream, writes } = fakeStream(false);
    const reporter = createProgressReporter('suite × model', 'samples', stream);
    reporter.update({ done: 0, total: 100, counts: { passed: 0, failed: 0 } });
    reporter.update({ done: 3, total: 100, counts: { passed: 3, failed: 0 } });
    expect(writes).toEqual(['suite × model: 0/100 samples, passed 0 failed 0\n']);
    vi.advanceTimersByTime(HEARTBEAT_MS + 1000);
    expect(writes.at(-1)).toBe('suite × model: 3/100 samples, passed 3 failed 0\n');
    const before = writes.length;
    vi.advanceTimersByTime(HEARTBEAT_MS + 1000);
    expect(writes.length).toBe(before + 1);
    reporter.update({ done: 10, total: 100, counts: { passed: 9, failed: 1 } });
    expect(writes.at(-1)).toBe('suite × model: 10/100 samples, passed 9 failed 1\n');
    reporter.stop();
    const stopped = writes.length;
    vi.advanceTimersByTime(5 * HEARTBEAT_MS);
    expect(writes.length).toBe(stopped);
  });
});

describe('progress on a terminal', () => {
  for (const columns of [60, 80, 120]) {
    it(`fits a ${columns}-column terminal, even with a long label`, () => {
      const { stream, writes } = fakeStream(true, columns);
      const reporter = createProgressReporter('a-very-long-suite-name-from-a-dataset-file × scripted:/some/long/path/answers.jsonl', 'samples', stream);
      reporter.update({ done: 0, total: 820, counts: { passed: 0, failed: 0, errors: 0 } });
      reporter.update({ done: 820, total: 820, counts: { passed: 800, failed: 19, errors: 1 } });
      reporter.stop();
      // eslint-disable-next-line no-control-regex
      // Each redraw is one write (the bar moves the cursor back through the stream's cursorTo).
      const lines = writes.flatMap((chunk) => chunk.replace(/\u001b\[[0-9;?]*[A-Za-z]|\u001b[78]/g, '').split(/[\r\n]/)).filter((line) => line.trim() !== '');
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(columns);
      expect(lines.at(-1)).toMatch(columns >= 80 ? /820\/820 samples \| passed 800 failed 19 errors 1/ : /820\/820 \| p 800 f 19 e 1/);
    });
  }
});
