import cliProgress from 'cli-progress';

/** What a progress line shows: items done of the total, and counts by kind. */
export interface ProgressState {
  done: number;
  total: number;
  /** Shown in order, e.g. `{ passed: 3, failed: 1, errors: 0 }`. */
  counts: Record<string, number>;
}

export interface ProgressReporter {
  update(state: ProgressState): void;
  stop(): void;
}

/** Seconds between lines at most, when stderr is not a terminal. */
export const HEARTBEAT_MS = 10_000;

function countsText(counts: Record<string, number>): string {
  return Object.entries(counts).map(([name, value]) => `${name} ${value}`).join(' ');
}

/**
 * Progress on stderr. On a terminal: a bar sized to the terminal's width (the label is shortened
 * to fit). Otherwise (CI logs, pipes): a line at every tenth of the work and at least every 10 s,
 * so a long run never looks stuck.
 */
export function createProgressReporter(label: string, unit: string, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (stream.isTTY) return terminalReporter(label, unit, stream);
  let lastTenth = -1;
  let lastLine = 0;
  let latest: ProgressState | undefined;
  const write = (state: ProgressState): void => {
    lastLine = Date.now();
    stream.write(`${label}: ${state.done}/${state.total} ${unit}, ${countsText(state.counts)}\n`);
  };
  const heartbeat = setInterval(() => {
    if (latest && Date.now() - lastLine >= HEARTBEAT_MS) write(latest);
  }, 1000);
  heartbeat.unref();
  return {
    update(state) {
      latest = state;
      const tenth = state.total === 0 ? 10 : Math.floor((state.done / state.total) * 10);
      if (tenth === lastTenth && state.done !== state.total) return;
      lastTenth = tenth;
      write(state);
    },
    stop() {
      clearInterval(heartbeat);
    },
  };
}

function terminalReporter(label: string, unit: string, stream: NodeJS.WriteStream): ProgressReporter {
  let bar: cliProgress.SingleBar | undefined;
  let started = false;
  const make = (state: ProgressState): cliProgress.SingleBar => {
    const columns = stream.columns || 80;
    const tail = ` ${state.total}/${state.total} ${unit} | ${countsText(Object.fromEntries(Object.keys(state.counts).map((key) => [key, state.total])))} | 00:00:00`;
    // Room for the label and a bar of at least 10 cells; the label gives way first.
    const room = columns - 1 - tail.length - 3;
    const barSize = Math.max(10, Math.min(40, room - Math.min(label.length, 30)));
    const labelRoom = Math.max(0, room - barSize);
    const shown = label.length <= labelRoom ? label : labelRoom > 1 ? `${label.slice(0, labelRoom - 1)}…` : '';
    const fields = Object.keys(state.counts).map((key) => `${key} {${key}}`).join(' ');
    return new cliProgress.SingleBar(
      {
        stream,
        format: `${shown}${shown ? ' ' : ''}[{bar}] {value}/{total} ${unit} | ${fields} | {duration_formatted}`,
        barsize: barSize,
        hideCursor: true,
        clearOnComplete: false,
        linewrap: false,
      },
      cliProgress.Presets.shades_classic,
    );
  };
  return {
    update(state) {
      if (!started) {
        bar = make(state);
        bar.start(state.total, state.done, state.counts);
        started = true;
      } else bar!.update(state.done, state.counts);
    },
    stop() {
      if (started) bar!.stop();
      started = false;
    },
  };
}
