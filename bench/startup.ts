/**
 * Start-up cost of the whole CLI, as a user pays it: wall time of `./sandbench --version`,
 * `./sandbench exec hello.js` (isolate) and `./sandbench exec hello.py --sandbox docker`, each
 * through the real wrapper (its Node, install and build checks included; the build is made
 * first, untimed), beside `node -e 0` with the project's Node 24 as the baseline. The commands
 * take turns within each run, so a slow patch of a shared machine hits them alike; one untimed
 * warm-up run of each comes first. Also shown, for information: the CLI without the wrapper
 * (`node dist/cli/main.js --version`, as the wrapper runs it), which splits the wrapper's own cost off.
 *
 *   ./sandbench --node bench/startup.ts
 *
 * Environment: BENCH_RUNS (timed runs per command, default 10; 3 with BENCH_QUICK=1);
 * BENCH_QUICK=1 (smoke run). Prints medians, min–max, the ratio to `node -e 0` (median of the
 * per-run ratios) and the targets (≤ 150 / 300 / 600 ms). Never asserts on time; a command that
 * fails or prints the wrong thing stops the script.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envNumber, quickMode } from './bench-env.ts';
import { formatMs, formatRange, formatRatio, machineLoad, median, printTable } from './print-table.ts';
import { describeFailure, prepareWrapper, projectNode, SANDBENCH, shellLine, timeCommand } from './time-command.ts';

interface Subject {
  name: string;
  argv: string[];
  /** What stdout must contain for the run to count. */
  expect: RegExp;
  /** Target wall time, when the issue sets one. */
  targetMs?: number;
  /** Shown for information, not a target. */
  info?: boolean;
}

const quick = quickMode();
const runs = envNumber('BENCH_RUNS', quick ? 3 : 10);
const folder = mkdtempSync(join(tmpdir(), 'sandbench-startup-'));
const helloJs = join(folder, 'hello.js');
const helloPy = join(folder, 'hello.py');
writeFileSync(helloJs, "console.log('hello')\n");
writeFileSync(helloPy, "print('hello')\n");
// The project's Node 24: `./sandbench --node` runs this script with it.
const node = projectNode();

const subjects: Subject[] = [
  { name: 'node -e 0 (baseline)', argv: [node, '-e', '0'], expect: /^$/ },
  { name: 'sandbench --version', argv: [SANDBENCH, '--version'], expect: /^\d+\.\d+\.\d+/, targetMs: 150 },
  { name: 'sandbench exec hello.js (isolate)', argv: [SANDBENCH, 'exec', helloJs], expect: /^hello$/m, targetMs: 300 },
  { name: 'sandbench exec hello.py --sandbox docker', argv: [SANDBENCH, 'exec', helloPy, '--sandbox', 'docker'], expect: /^hello$/m, targetMs: 600 },
  {
    name: 'CLI without the wrapper: --version',
    argv: [node, 'dist/cli/main.js', '--version'],
    expect: /^\d+\.\d+\.\d+/,
    info: true,
  },
];

async function timeOnce(subject: Subject): Promise<number> {
  const run = await timeCommand(subject.argv);
  if (run.exitCode !== 0 || !subject.expect.test(run.stdout)) {
    throw new Error(`${shellLine(subject.argv)}: unexpected end (${describeFailure(run)}); stdout: ${run.stdout.slice(0, 200)}`);
  }
  return run.wallMs;
}

async function main(): Promise<void> {
  console.log(`start-up of the whole CLI: ${runs} timed run(s) per command${quick ? ' (quick mode)' : ''}, node ${process.version}`);
  console.log(`machine: ${machineLoad()}`);
  await prepareWrapper();
  for (const subject of subjects) await timeOnce(subject);
  const walls = new Map<Subject, number[]>(subjects.map((subject) => [subject, []]));
  const ratios = new Map<Subject, number[]>(subjects.map((subject) => [subject, []]));
  for (let run = 0; run < runs; run++) {
    // Rotate the order each run so no command always follows the same one.
    const order = subjects.map((_, index) => subjects[(index + run) % subjects.length] as Subject);
    const round = new Map<Subject, number>();
    for (const subject of order) round.set(subject, await timeOnce(subject));
    const baseline = round.get(subjects[0] as Subject) as number;
    for (const subject of subjects) {
      walls.get(subject)?.push(round.get(subject) as number);
      ratios.get(subject)?.push((round.get(subject) as number) / baseline);
    }
  }
  console.log(`machine after: ${machineLoad()}\n`);
  const rows = subjects.map((subject) => {
    const times = walls.get(subject) as number[];
    const middle = median(times);
    const target = subject.targetMs === undefined ? (subject.info ? 'info' : 'baseline') : `<= ${subject.targetMs} ms: ${middle <= subject.targetMs ? 'met' : 'not met'}`;
    return [
      subject.name,
      formatMs(middle),
      formatRange(Math.min(...times), Math.max(...times)),
      formatRatio(median(ratios.get(subject) as number[])),
      target,
      shellLine(subject.argv),
    ];
  });
  printTable(['command', 'median', 'min-max', 'vs node -e 0', 'target', 'exact command line (from the repository root)'], rows);
  console.log(
    '\nratio: median over runs of (command / node -e 0 in the same run). The targets are absolute times on an idle' +
      ' 2-core machine; on a loaded one, read the ratios.',
  );
}

try {
  await main();
} finally {
  rmSync(folder, { recursive: true, force: true });
}
