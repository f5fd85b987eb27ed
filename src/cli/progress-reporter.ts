import cliProgress from 'cli-progress';
import type { RunProgress } from '../harness/run-suite.ts';

export interface ProgressReporter {
  update(progress: RunProgress): void;
  stop(): void;
}

/**
 * A progress bar on a terminal, plain lines otherwise (CI logs, pipes): one line at every
 * tenth of the run and at the end, all on stderr.
 */
export function createProgressReporter(label: string, enabled: boolean): ProgressReporter {
  if (!enabled) return { update() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `${label} [{bar}] {value}/{total} | passed {passed} failed {failed} errors {errors} | {duration_formatted}`,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(progress) {
        const payload = { passed: progress.passed, failed: progress.failed, errors: progress.errors };
        if (!started) {
          bar.start(progress.total, progress.done, payload);
          started = true;
        } else bar.update(progress.done, payload);
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  let lastTenth = -1;
  return {
    update(progress) {
      const tenth = progress.total === 0 ? 10 : Math.floor((progress.done / progress.total) * 10);
      if (tenth === lastTenth && progress.done !== progress.total) return;
      lastTenth = tenth;
      process.stderr.write(
        `${label}: ${progress.done}/${progress.total} samples, passed ${progress.passed}, failed ${progress.failed}, errors ${progress.errors}\n`,
      );
    },
    stop() {},
  };
}
