import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packFiles } from '../../../src/sandboxes/docker/pack-files.ts';
import {
  FrameDecoder,
  RunnerConnection,
  RunnerProtocolError,
  encodeFrame,
  loadRunnerSource,
  type RunnerStep,
} from '../../../src/sandboxes/docker/runner-connection.ts';

// The resident runner, spawned directly on the host's python3 (never PID 1 here, so it only
// touches its own descendants and the work root it is given). Only benign jobs run here: the
// hostile programs run in containers (hostile-*.test.ts).

function step(argv: string[], overrides: Partial<RunnerStep> = {}): RunnerStep {
  return {
    name: 'run',
    argv,
    mode: 'exec',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' },
    timeoutMs: 5000,
    cpuTimeMs: 5000,
    memoryBytes: 512 * 1024 * 1024,
    maxOutputBytes: 1024 * 1024,
    fileSizeBytes: 16 * 1024 * 1024,
    openFiles: 256,
    memoryRlimit: 'none',
    stdin: true,
    ...overrides,
  };
}

function pythonStep(overrides: Partial<RunnerStep> = {}): RunnerStep {
  return step(['python3', 'main.py'], { mode: 'python-fork', script: 'main.py', scriptIndex: 1, ...overrides });
}

describe('FrameDecoder', () => {
  it('decodes frames split at every byte and several frames in one chunk', () => {
    const frames = Buffer.concat([
      encodeFrame({ type: 'a' }, [Buffer.from('xy'), Buffer.alloc(0)]),
      encodeFrame({ type: 'b', n: 1 }),
    ]);
    const decoder = new FrameDecoder();
    const out = [];
    for (let index = 0; index < frames.length; index += 1) out.push(...decoder.push(frames.subarray(index, index + 1)));
    expect(out.map((frame) => frame.header.type)).toEqual(['a', 'b']);
    expect(out[0]!.blobs.map((blob) => blob.toString())).toEqual(['xy', '']);
    expect(new FrameDecoder().push(frames)).toHaveLength(2);
  });

  it('refuses a header that is not JSON', () => {
    const bad = Buffer.concat([Buffer.from([0, 0, 0, 3]), Buffer.from('{{{')]);
    expect(() => new FrameDecoder().push(bad)).toThrow(RunnerProtocolError);
  });
});

describe('resident runner protocol (host python3)', () => {
  let child: ChildProcessWithoutNullStreams;
  let connection: RunnerConnection;
  let workRoot: string;

  beforeAll(() => {
    workRoot = mkdtempSync(join(tmpdir(), 'sandbench-runner-'));
    child = spawn('python3', ['-I', '-S', '-c', loadRunnerSource(), `--work-root=${workRoot}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    connection = new RunnerConnection({ fromRunner: child.stdout, toRunner: child.stdin, diagnostics: child.stderr });
  });

  afterAll(async () => {
    connection?.close();
    if (child && child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    rmSync(workRoot, { recursive: true, force: true });
  });

  async function run(source: string, options: { stdin?: string; steps?: RunnerStep[]; collect?: string[] } = {}) {
    return connection.runJob(
      {
        steps: options.steps ?? [pythonStep()],
        files: await packFiles([{ path: 'main.py', content: source }]),
        stdin: Buffer.from(options.stdin ?? ''),
        collect: options.collect ?? [],
        collectMaxBytes: 1024,
      },
      20_000,
    );
  }

  it('is one argv string: under the 128 KiB a single exec argument may have', () => {
    expect(Buffer.byteLength(loadRunnerSource(), 'utf8')).toBeLessThan(128 * 1024);
  });

  it('says hello: protocol 4, not in a container, non-dumpable, with its fork server', async () => {
    const hello = await connection.hello;
    expect(hello).toMatchObject({ type: 'hello', protocol: 4, inContainer: false, cgroup: null, dumpable: false });
    expect(hello.forkServer).toBeGreaterThan(0);
    expect(readFileSync(`/proc/${hello.forkServer}/comm`, 'utf8')).toBe('sandbench-forks\n');
    await connection.ping(5000);
  });

  it('runs a job in both modes with the same stdout, stderr and exit code', async () => {
    const source = 'import sys\nprint(sys.stdin.read().upper(), __name__, sys.argv)\nprint("err", file=sys.stderr)\nraise SystemExit(4)';
    const forked = await run(source, { stdin: 'abc' });
    const executed = await run(source, { stdin: 'abc', steps: [step(['python3', 'main.py'])] });
    for (const result of [forked, executed]) {
      const [facts] = result.steps;
      expect(facts!.stdout.toString()).toBe("ABC __main__ ['main.py']\n");
      expect(facts!.stderr.toString()).toBe('err\n');
      expect(facts!.exitCode).toBe(4);
      expect(facts!.timedOut).toBe(false);
      expect(facts!.leftBehind).toBe(false);
      expect(result.recycle).toEqual([]);
    }
  });

  it('gives a forked Python job a fresh interpreter state (modules, __main__, random)', async () => {
    const source = 'import sys, random\nprint("json" in sys.modules, "tarfile" in sys.modules, sorted(k for k in globals() if not k.startswith("__")), random.random())';
    const first = await run(source);
    const second = await run(source);
    const [a, b] = [first.steps[0]!.stdout.toString(), second.steps[0]!.stdout.toString()];
    expect(a.startsWith("False False ['random', 'sys'] ")).toBe(true);
    expect(a).not.toBe(b);
  });

  it('kills a job at its wall-clock limit', async () => {
    const result = await run('import time\nprint("a", flush=True)\ntime.sleep(30)', { steps: [pythonStep({ timeoutMs: 300 })] });
    const [facts] = result.steps;
    expect(facts).toMatchObject({ timedOut: true, timeLimit: 'wall', starved: false });
    expect(facts!.signal).toBe('SIGKILL');
    expect(facts!.stdout.toString()).toBe('a\n');
    expect(facts!.wallMs).toBeLessThan(3000);
    expect(result.recycle).toContain('timeout');
  });

  it('stops a CPU-bound job when its CPU time reaches the limit, reporting which limit', async () => {
    const result = await run('while True:\n    pass', { steps: [pythonStep({ timeoutMs: 20_000, cpuTimeMs: 400 })] });
    const [facts] = result.steps;
    expect(facts).toMatchObject({ timedOut: true, timeLimit: 'cpu', starved: false, signal: 'SIGKILL' });
    expect(facts!.cpuMs).toBeGreaterThanOrEqual(400);
    expect(result.recycle).toContain('timeout');
  });

  it('caps output and stops the job', async () => {
    const result = await run('while True:\n    print("x" * 100)', { steps: [pythonStep({ maxOutputBytes: 1000 })] });
    const [facts] = result.steps;
    expect(facts!.outputLimited).toBe(true);
    expect(facts!.stdout.length).toBe(1000);
    expect(facts!.stdoutTruncated).toBe(true);
  });

  it('runs the next step only when the previous succeeded', async () => {
    const failing = await run('print(1)', { steps: [step(['false'], { name: 'compile', stdin: false }), pythonStep()] });
    expect(failing.steps).toHaveLength(1);
    const passing = await run('print(1)', { steps: [step(['true'], { name: 'compile', stdin: false }), pythonStep()] });
    expect(passing.steps.map((facts) => facts.stdout.toString())).toEqual(['', '1\n']);
  });

  it('collects regular files, refuses symlinks, missing files and escaping paths', async () => {
    const result = await run('import os\nopen("a.txt", "w").write("A")\nos.symlink("/etc/hostname", "b.txt")', {
      collect: ['a.txt', 'b.txt', 'c.txt', '../x', '/etc/hostname'],
    });
    const files = result.files;
    expect(files[0]).toEqual({ path: 'a.txt', content: Buffer.from('A') });
    expect(files[1]!.error).toMatch(/symbolic link/);
    expect(files[2]!.error).toBe('not found');
    expect(files[3]!.error).toMatch(/invalid path/);
    expect(files[4]!.error).toMatch(/invalid path/);
  });

  it('reports processes left behind and kills them', async () => {
    const result = await run('import subprocess\np = subprocess.Popen(["sleep", "30"], start_new_session=True)\nprint(p.pid)');
    const [facts] = result.steps;
    expect(facts!.exitCode).toBe(0);
    expect(facts!.leftBehind).toBe(true);
    expect(result.recycle).toContain('processes-left-behind');
    const pid = Number(facts!.stdout.toString());
    expect(existsSync(`/proc/${pid}`) && !/\) Z /.test(await import('node:fs').then((fs) => fs.readFileSync(`/proc/${pid}/stat`, 'utf8')))).toBe(false);
  });

  it('removes the job folder after each job', async () => {
    await run('open("left.txt", "w").write("x")');
    expect(existsSync(join(workRoot, 'job'))).toBe(false);
  });

  it("keeps a session's work directory between jobs (keepWorkdir), kills what a job left behind, and reads and writes its files between jobs", async () => {
    const session = (source: string) =>
      connection.runJob(
        {
          steps: [step(['python3', '-c', source])],
          files: Buffer.alloc(0),
          stdin: Buffer.alloc(0),
          collect: [],
          collectMaxBytes: 0,
          keepWorkdir: true,
          keepAfterFailure: true,
        },
        20_000,
      );
    try {
      const first = await session('import subprocess\nopen("kept.txt", "w").write("one")\np = subprocess.Popen(["sleep", "30"], start_new_session=True)\nprint(p.pid)');
      const [facts] = first.steps;
      expect(facts!.leftBehind).toBe(true);
      const pid = Number(facts!.stdout.toString());
      expect(existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))).toBe(false);
      expect(readFileSync(join(workRoot, 'job', 'kept.txt'), 'utf8')).toBe('one');

      const written = await connection.writeFiles(await packFiles([{ path: 'kept.txt', content: 'two' }, { path: 'deep/new.txt', content: 'new' }]), 10_000);
      expect(written).toEqual([]);
      const second = await session('print(open("kept.txt").read(), open("deep/new.txt").read())');
      expect(second.steps[0]!.stdout.toString()).toBe('two new\n');

      await session('import os\nos.symlink("/etc", "link")\nos.symlink("/etc/hostname", "file-link")');
      const refused = await connection.writeFiles(await packFiles([{ path: 'link/planted', content: 'x' }, { path: 'file-link', content: 'x' }, { path: 'ok.txt', content: 'ok' }]), 10_000);
      expect(refused.map((entry) => entry.path)).toEqual(['link/planted', 'file-link']);
      expect(refused[0]!.error).toMatch(/symbolic link/);
      expect(existsSync('/etc/planted')).toBe(false);

      const read = await connection.readFiles(['ok.txt', 'link/hostname', 'file-link', 'nope', '../x'], 1024, 10_000);
      expect(read[0]).toEqual({ path: 'ok.txt', content: Buffer.from('ok') });
      expect(read[1]!.error).toMatch(/symbolic link/);
      expect(read[2]!.error).toMatch(/symbolic link/);
      expect(read[3]!.error).toBe('not found');
      expect(read[4]!.error).toMatch(/invalid path/);

      // A command that swaps the work directory itself for a link gets a fresh folder, not the link's target.
      const elsewhere = mkdtempSync(join(tmpdir(), 'sandbench-elsewhere-'));
      try {
        await session(`import os, shutil\nos.chdir("..")\nshutil.rmtree("job")\nos.symlink(${JSON.stringify(elsewhere)}, "job")`);
        expect(await connection.writeFiles(await packFiles([{ path: 'fresh.txt', content: 'fresh' }]), 10_000)).toEqual([]);
        expect(readdirSync(elsewhere)).toEqual([]);
        expect(readFileSync(join(workRoot, 'job', 'fresh.txt'), 'utf8')).toBe('fresh');
      } finally {
        rmSync(elsewhere, { recursive: true, force: true });
      }
    } finally {
      rmSync(join(workRoot, 'job'), { recursive: true, force: true });
    }
    // The runner serves ordinary jobs again once the folder is gone.
    const plain = await run('print("plain")');
    expect(plain.steps[0]!.stdout.toString()).toBe('plain\n');
  });

  /** The process the runner prepared for its next job: its child that is not the fork server. */
  async function preparedJobProcess(): Promise<number> {
    const { forkServer } = await connection.hello;
    for (let attempt = 0; attempt < 200; attempt += 1) {
      for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
        let stat: string;
        try {
          stat = readFileSync(`/proc/${name}/stat`, 'utf8');
        } catch {
          continue;
        }
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        if (parent === child.pid && Number(name) !== forkServer) return Number(name);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('the runner prepared no process for the next job');
  }

  /** The runner's children but the fork server, once the runner has finished with the last job (a ping is answered after it). */
  async function preparedProcesses(): Promise<number[]> {
    await connection.ping(5000);
    const { forkServer } = await connection.hello;
    const found: number[] = [];
    for (const name of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
      let stat: string;
      try {
        stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      } catch {
        continue;
      }
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === child.pid && Number(name) !== forkServer) found.push(Number(name));
    }
    return found;
  }

  it("prepares the next job's process after a failing job only when the host keeps the container", async () => {
    const job = async (keepAfterFailure: boolean) =>
      connection.runJob(
        { steps: [pythonStep()], files: await packFiles([{ path: 'main.py', content: 'raise SystemExit(1)' }]), stdin: Buffer.alloc(0), collect: [], collectMaxBytes: 0, keepAfterFailure },
        20_000,
      );
    expect((await job(false)).steps[0]!.exitCode).toBe(1);
    expect(await preparedProcesses()).toEqual([]);
    expect((await job(true)).steps[0]!.exitCode).toBe(1);
    expect(await preparedProcesses()).toHaveLength(1);
  });

  it("sets every rlimit of a job: the step's own, the runner's initial values for the rest (none inherited)", async () => {
    expect((await run('print(1)')).steps[0]!.stdout.toString()).toBe('1\n');
    const waiting = await preparedJobProcess();
    // Lower soft limits of the waiting process from outside, as an earlier job could have.
    execFileSync('python3', ['-c', `import resource\nfor kind in (resource.RLIMIT_MSGQUEUE, 10, resource.RLIMIT_STACK):\n    soft, hard = resource.prlimit(${waiting}, kind)\n    resource.prlimit(${waiting}, kind, (1024 if soft != 1024 else 2048, hard))`]);
    const result = await run('import resource\nfor number in range(16):\n    print(number, *resource.getrlimit(number))');
    const [facts] = result.steps;
    const limits = Object.fromEntries(facts!.stdout.toString().trim().split('\n').map((line) => {
      const [number, soft, hard] = line.split(' ').map(Number);
      return [number!, [soft!, hard!]];
    }));
    // The runner's own limits, read from outside (-1: unlimited), in rlimit number order.
    const runnerLimits = readFileSync(`/proc/${child.pid}/limits`, 'utf8').trim().split('\n').slice(1).map((line) => {
      const [soft, hard] = line.slice(26).trim().split(/\s+/).map((value) => (value === 'unlimited' ? -1 : Number(value)));
      return [soft!, hard!];
    });
    const names = ['CPU', 'FSIZE', 'DATA', 'STACK', 'CORE', 'RSS', 'NPROC', 'NOFILE', 'MEMLOCK', 'AS', 'LOCKS', 'SIGPENDING', 'MSGQUEUE', 'NICE', 'RTPRIO', 'RTTIME'];
    const own: Record<string, [number, number]> = { CPU: [5, 6], FSIZE: [16 * 1024 * 1024, 16 * 1024 * 1024], CORE: [0, 0], NOFILE: [256, 256] };
    for (const [number, name] of names.entries()) {
      expect({ name, limit: limits[number] }).toEqual({ name, limit: own[name] ?? runnerLimits[number] });
    }
    expect((await connection.hello).rlimits).toEqual(Object.fromEntries(names.map((name, number) => [name, runnerLimits[number]])));
  });

  it('refuses a tar entry that escapes the work directory (an engine error, not a guest one)', async () => {
    const tar = await import('tar-stream');
    const pack = tar.default.pack();
    const chunks: Buffer[] = [];
    pack.on('data', (chunk: unknown) => {
      chunks.push(chunk as Buffer);
    });
    const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
    pack.entry({ name: '../evil.py', size: 1 }, Buffer.from('x'));
    pack.finalize();
    await done;
    await expect(
      connection.runJob({ steps: [pythonStep()], files: Buffer.concat(chunks), stdin: Buffer.alloc(0), collect: [], collectMaxBytes: 0 }, 10_000),
    ).rejects.toThrow(/unsafe path/);
    // The runner is still there for the next job.
    expect((await run('print(5)')).steps[0]!.stdout.toString()).toBe('5\n');
  });
});

describe('resident runner: a job starved of CPU (runner and busy loops pinned to one CPU)', () => {
  let child: ChildProcessWithoutNullStreams;
  let connection: RunnerConnection;
  let workRoot: string;
  const hogs: ChildProcessWithoutNullStreams[] = [];
  /** Loop rounds of about 200 ms of CPU, measured before the busy loops start. */
  let rounds = 0;

  beforeAll(async () => {
    workRoot = mkdtempSync(join(tmpdir(), 'sandbench-runner-'));
    child = spawn('taskset', ['-c', '0', 'python3', '-I', '-S', '-c', loadRunnerSource(), `--work-root=${workRoot}`], { stdio: ['pipe', 'pipe', 'pipe'] });
    connection = new RunnerConnection({ fromRunner: child.stdout, toRunner: child.stdin, diagnostics: child.stderr });
    await connection.hello;
    const probe = await run('total = 0\nfor index in range(1_000_000):\n    total += index\nprint(total)', {}, 20_000);
    rounds = Math.round((1_000_000 * 200) / Math.max(1, probe.steps[0]!.cpuMs!));
    for (let index = 0; index < 5; index++) {
      // Each in a session of its own: with autogroup scheduling, sessions share a CPU fairly.
      hogs.push(spawn('taskset', ['-c', '0', process.execPath, '-e', 'for (;;);'], { stdio: 'pipe', detached: true }));
    }
    // Until every busy loop is spinning (node's own start-up takes a while).
    const spinning = (pid: number): boolean => {
      try {
        return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) > 100e6;
      } catch {
        return false;
      }
    };
    while (!hogs.every((hog) => spinning(hog.pid!))) await new Promise((resolve) => setTimeout(resolve, 20));
  }, 60_000);

  afterAll(async () => {
    for (const hog of hogs.splice(0)) hog.kill('SIGKILL');
    connection?.close();
    if (child && child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    rmSync(workRoot, { recursive: true, force: true });
  });

  async function run(source: string, overrides: Partial<RunnerStep>, hostDeadlineMs: number) {
    return connection.runJob(
      { steps: [pythonStep(overrides)], files: await packFiles([{ path: 'main.py', content: source }]), stdin: Buffer.alloc(0), collect: [], collectMaxBytes: 0 },
      hostDeadlineMs,
    );
  }

  const work = (): string => `total = 0\nfor index in range(${rounds}):\n    total += index\nprint(total)`;

  it('runs on past its wall limit while it waits for the CPU, and the host deadline moves with it (extend frame)', async () => {
    // The host allows 200 ms beyond the 400 ms limit: the job needs far longer on a shared CPU.
    const result = await run(work(), { timeoutMs: 400, cpuTimeMs: 400 }, 600);
    const [facts] = result.steps;
    expect(facts).toMatchObject({ exitCode: 0, timedOut: false, timeLimit: null, starved: false });
    expect(facts!.wallMs).toBeGreaterThan(600);
    expect(facts!.runQueueMs).toBeGreaterThan(facts!.wallMs - 400);
    expect(facts!.cpuMs).toBeLessThan(400);
    expect(result.recycle).toEqual([]);
  }, 60_000);

  it('a sleeper on the same CPU still stops at its wall limit: sleeping is no waiting for a CPU', async () => {
    const sleeper = await run('import time\ntime.sleep(30)', { timeoutMs: 400 }, 20_000);
    // Were sleep counted as waiting, it would run on to its backstop (20 s) and end starved.
    expect(sleeper.steps[0]).toMatchObject({ timedOut: true, timeLimit: 'wall', starved: false });
  }, 60_000);

  it('a job that lowers its own priority (SCHED_IDLE) does not starve itself into running on: its group keeps its share', async () => {
    // Scheduling weights compete within a group (a container's cgroup; here the job's session):
    // the job only yields to its own runner, so it still reaches its limit.
    const result = await run('import os\nos.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))\nwhile True:\n    pass', { timeoutMs: 300 }, 40_000);
    expect(result.steps[0]).toMatchObject({ timedOut: true, starved: false });
  }, 60_000);

  it('a job still starved at its backstop is stopped without a verdict (starved), and its container flagged', async () => {
    const result = await run(work(), { timeoutMs: 200, cpuTimeMs: 10_000, backstopMs: 600 }, 20_000);
    const [facts] = result.steps;
    expect(facts).toMatchObject({ timedOut: false, timeLimit: null, starved: true, signal: 'SIGKILL' });
    expect(result.recycle).toContain('timeout');
  }, 60_000);
});
