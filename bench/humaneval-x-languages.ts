// HumanEval-X references per language, two ways, concurrency 2:
//   (a) sandbench: `./sandbench run <split> --model reference --sandbox docker`, whole CLI wall time
//   (b) upstream's way: compile and run each sample in its own folder, unsandboxed, with the same
//       commands, in one plain container of the same image (the toolchain is only there), two
//       samples at a time (xargs -P 2); its wall time is taken inside the container.
// Run: ./sandbench --node bench/humaneval-x-languages.ts
// Options: BENCH_LANGUAGES=cpp,java,go,rust,python (default all five); BENCH_ROUNDS=n (default 1:
// (a) then (b), n times, one row each); SANDBENCH_DATA. The last column is the 1-minute load
// average before (a) and after (b).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { envList } from './bench-env.ts';
import { loadDataset } from '../src/datasets/load-dataset.ts';
import { assembleProgram } from '../src/harness/assemble-program.ts';
import { joinProgram } from '../src/sandboxes/sandbox.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dataRoot = process.env.SANDBENCH_DATA ?? resolve(repoRoot, '..', 'shared', 'data');

/** Per language: the data file, the image, the source file name and upstream's per-sample commands. */
const LANGUAGES: Record<string, { file: string; image: string; source: (variant?: string) => string; command: (variant?: string) => string }> = {
  cpp: {
    file: 'humaneval-x-cpp/humaneval_cpp.jsonl.gz',
    image: 'sandbench-gcc',
    source: () => 'test.cpp',
    command: (variant) => `/usr/bin/g++ -std=c++11 test.cpp${variant === 'humaneval-x-crypto' ? ' -lcrypto -lssl' : ''} && ./a.out`,
  },
  java: { file: 'humaneval-x-java/humaneval_java.jsonl.gz', image: 'sandbench-java', source: () => 'Main.java', command: () => 'javac Main.java && java -cp . Main' },
  go: {
    file: 'humaneval-x-go/humaneval_go.jsonl.gz',
    image: 'sandbench-go',
    source: () => 'main_test.go',
    // Upstream's command inside the module; the build cache is shared and warm, as upstream's is on its second run.
    command: () => 'cp -r /usr/lib/sandbench/go/humaneval-x/. . && go test -timeout=60.0s main_test.go',
  },
  rust: {
    file: 'humaneval-x-rust/humaneval_rust.jsonl.gz',
    image: 'sandbench-rust',
    source: () => 'main.rs',
    command: () => 'rustc --edition 2021 --test @/usr/lib/sandbench/rust/crates.args -o main main.rs 2>/dev/null && ./main',
  },
  python: { file: 'humaneval-x-python/humaneval_python.jsonl.gz', image: 'sandbench-python', source: () => 'main.py', command: () => 'python3 main.py' },
};

function run(command: string, args: string[], cwd = repoRoot): { ms: number; status: number | null; stdout: string; stderr: string } {
  const started = performance.now();
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { ms: performance.now() - started, status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The 1-minute load average: other work on the machine makes single runs noisy. */
const load = (): string => loadavg()[0]!.toFixed(1);

const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 1));
const rows: string[][] = [];
for (const language of envList('BENCH_LANGUAGES', Object.keys(LANGUAGES))) {
  const spec = LANGUAGES[language];
  if (!spec) throw new Error(`BENCH_LANGUAGES: unknown language ${language}`);
  const file = join(dataRoot, spec.file);
  const out = mkdtempSync(join(tmpdir(), `bench-hx-${language}-`));

  // (b)'s programs: one folder per sample, the same program text, compile and run unsandboxed.
  const { tasks } = await loadDataset(file);
  const folder = join(out, 'programs');
  const lines: string[] = [];
  for (const [index, task] of tasks.entries()) {
    const program = assembleProgram(task, task.reference!, task.tests[0]!, 'exact');
    const sample = join(folder, String(index));
    mkdirSync(sample, { recursive: true });
    writeFileSync(join(sample, spec.source(task.runtimeVariant)), joinProgram(program.source, program.testCode).text);
    writeFileSync(join(sample, 'run.sh'), `cd "$1" && ${spec.command(task.runtimeVariant)}\n`);
    lines.push(String(index));
  }
  writeFileSync(join(folder, 'list'), lines.join('\n') + '\n');
  writeFileSync(
    join(folder, 'all.sh'),
    [
      'set -u',
      'export HOME=/tmp GOCACHE=/tmp/go-cache CGO_ENABLED=0 GOPROXY=off GOFLAGS= CARGO_HOME=/tmp/cargo',
      '[ -d /usr/lib/sandbench/go/cache ] && cp -r /usr/lib/sandbench/go/cache /tmp/go-cache',
      'cp -r /b /tmp/work',
      'start=$(date +%s%N)',
      // One sample: its own folder; pass means exit 0.
      `xargs -P 2 -I{} sh -c 'bash /tmp/work/{}/run.sh /tmp/work/{} >/dev/null 2>&1 && echo pass || echo "fail {}"' < /tmp/work/list > /tmp/results`,
      'end=$(date +%s%N)',
      'echo "ms $(( (end - start) / 1000000 ))"',
      'echo "passed $(grep -c ^pass /tmp/results)"',
      'grep ^fail /tmp/results | head -5',
    ].join('\n') + '\n',
  );
  chmodSync(folder, 0o755);

  // Rounds alternate (a) and (b), so a change in the machine's load falls on both sides.
  for (let round = 1; round <= rounds; round++) {
    const loadBefore = load();
    // (a) the whole CLI, as a user runs it.
    const runFolder = join(out, `run-${round}`);
    const sandbench = run('./sandbench', ['run', file, '--model', 'reference', '--sandbox', 'docker', '--concurrency', '2', '--json', '--out', runFolder]);
    let sandbenchPassed = '?';
    try {
      // One model: the summary object; several: a list of them.
      const parsed = JSON.parse(sandbench.stdout) as { samples: { passed: number; scored: number } } | Array<{ samples: { passed: number; scored: number } }>;
      const summary = Array.isArray(parsed) ? parsed[0]! : parsed;
      sandbenchPassed = `${summary.samples.passed}/${summary.samples.scored}`;
    } catch {
      sandbenchPassed = `exit ${sandbench.status}`;
    }

    // (b) upstream's way, in one plain container of the same image.
    const upstream = run('docker', ['run', '--rm', '--network', 'none', '-v', `${folder}:/b:ro`, `${spec.image}:latest`, 'bash', '/b/all.sh']);
    const upstreamMs = Number(/^ms (\d+)/m.exec(upstream.stdout)?.[1] ?? NaN);
    const upstreamPassed = /^passed (\d+)/m.exec(upstream.stdout)?.[1] ?? '?';
    rows.push([
      rounds > 1 ? `${language} (round ${round})` : language,
      `${(sandbench.ms / 1000).toFixed(1)} s`,
      `${sandbenchPassed}`,
      `${(upstreamMs / 1000).toFixed(1)} s`,
      `${upstreamPassed}/${tasks.length}`,
      (sandbench.ms / upstreamMs).toFixed(2),
      `${loadBefore}–${load()}`,
    ]);
  }
  rmSync(out, { recursive: true, force: true });
}

const header = ['language', 'sandbench CLI wall', 'passed', "upstream's way (unsandboxed)", 'passed', 'ratio', 'load (1 min) before–after'];
console.log(`| ${header.join(' | ')} |`);
console.log(`|${header.map(() => '---').join('|')}|`);
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
