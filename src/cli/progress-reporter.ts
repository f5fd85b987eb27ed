import cliProgress from 'cli-progress';

/** What a progress line shows: items done of the total, and counts by kind. */
export interface ProgressState {
  done: number;
  total: number;
  /** Shown in order, e.g. `{ passed: 3, failed: 1, errors: 0 }`. */
  counts: Record<string, number>;
  /** What is holding the work back now, e.g. `retrying model (attempt 2 in 1.0 s: 429)`. */
  note?: string;
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
  let lastNote: string | undefined;
  return {
    update(state) {
      latest = state;
      // A note (a retry, a rate limit) is news: its own line, once.
      if (state.note && state.note !== lastNote) stream.write(`${label}: ${state.done}/${state.total} ${unit}: ${state.note}\n`);
      lastNote = state.note;
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
    const columns = (stream.columns || 80) - 1;
    const digits = String(state.total).length;
    const keys = Object.keys(state.counts);
    // From the fullest line to the barest; the first that fits with a bar of 10 cells wins.
    const layouts = [
      { countNames: keys, unitText: ` ${unit}`, withTime: true },
      { countNames: keys.map((key) => key[0]!), unitText: '', withTime: true },
      { countNames: keys.map((key) => key[0]!), unitText: '', withTime: false },
    ];
    let chosen = layouts[layouts.length - 1]!;
    let tailLength = 0;
    for (const layout of layouts) {
      chosen = layout;
      // `] 820/820 samples | passed 820 failed 820 | 00:00:00`, at its widest.
      tailLength =
        2 + 2 * digits + 1 + layout.unitText.length +
        3 + layout.countNames.reduce((sum, name) => sum + name.length + 1 + digits + 1, -1) +
        (layout.withTime ? 3 + 8 : 0);
      if (columns - tailLength - 1 >= 10) break;
    }
    const room = Math.max(10, columns - tailLength - 1);
    const barSize = Math.max(10, Math.min(40, room - Math.min(label.length + 1, 30)));
    const labelRoom = room - barSize - 1;
    const shown = label.length <= labelRoom ? label : labelRoom > 1 ? `${label.slice(0, labelRoom - 1)}…` : '';
    const fields = keys.map((key, index) => `${chosen.countNames[index]} {${key}}`).join(' ');
    return new cliProgress.SingleBar(
      {
        stream,
        format: `${shown}${shown ? ' ' : ''}[{bar}] {value}/{total}${chosen.unitText} | ${fields}${chosen.withTime ? ' | {duration_formatted}' : ''}`,
        barsize: barSize,
        hideCursor: true,
        clearOnComplete: false,
        linewrap: false,
      },
      cliProgress.Presets.shades_classic,
    );
  };
  let lastNote: string | undefined;
  return {
    update(state) {
      if (started && state.note && state.note !== lastNote) {
        // Above the bar, which redraws itself on the next line at the next update.
        stream.write(`\r\x1b[K${label}: ${state.note}\n`);
        bar!.render();
      }
      lastNote = state.note;
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
