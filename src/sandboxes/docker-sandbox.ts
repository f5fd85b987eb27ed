import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { InvalidInputError, SandboxError, errorMessage } from '../errors/sandbench-error.ts';
import { silentLogger } from '../logging/silent-logger.ts';
import { profileVariant, runtimeProfile, loadRuntimeProfiles, type LoadedRuntimeProfile } from '../runtimes/runtime-profiles.ts';
import { withPrecompiledHeader } from '../runtimes/choose-precompiled-header.ts';
import { transpileTypescriptOffThread } from '../runtimes/transpile-typescript-off-thread.ts';
import { cancelledResult as cancelledRunResult, compileErrorResult, lostResult as lostRunResult } from './execution-results.ts';
import type { CollectedFile, CompileResult, ExecutionResult, ExecutionStatus } from '../schemas/execution-result.ts';
import { DEFAULT_COMPILE_LIMITS, resolveLimits, type ExecutionLimits } from '../schemas/limits.ts';
import { typescriptOptionsSchema, type Language } from '../schemas/task.ts';
import { cleanupOnExit } from './docker/cleanup-on-exit.ts';
import { ContainerPool, type PooledContainer } from './docker/container-pool.ts';
import { createContainerOwner, OWNER_ID_LABEL, type ContainerOwner } from './docker/container-owner.ts';
import { createDockerEngine, diagnoseEngine, type DockerEngine, type EngineContainer } from './docker/engine-client.ts';
import { RUNNER_MEMORY_OVERHEAD_BYTES, removeContainer, startSandboxContainer, type ContainerSpec, type StartedContainer } from './docker/create-container.ts';
import { DockerSession } from './docker/docker-session.ts';
import { OwnerLease } from './docker/owner-lease.ts';
import { normalizeWorkPath, packFiles, type WorkFile } from './docker/pack-files.ts';
import {
  RunnerGoneError,
  RunnerProtocolError,
  RunnerTimeoutError,
  type RunnerCompletion,
  type RunnerJobResult,
  type RunnerStep,
  type RunnerStepResult,
} from './docker/runner-connection.ts';
import { sweepContainers } from './docker/sweep-containers.ts';
import {
  joinProgram,
  type Sandbox,
  type SandboxBatchRequest,
  type SandboxCapabilities,
  type SandboxRunRequest,
  type SandboxSession,
  type SandboxSessionOptions,
} from './sandbox.ts';

/** Outcomes after which a container is replaced rather than reused. */
export type RecycleOutcome = 'timeout' | 'memory-limit' | 'output-limit' | 'runtime-error' | 'compile-error' | 'signal';

export interface DockerSandboxOptions {
  /**
   * Engine client: a `Dockerode` instance, or anything with the same calls; default
   * `createDockerEngine()` (DOCKER_HOST or the default socket, without loading dockerode for a
   * local socket).
   */
  docker?: DockerEngine;
  /** Warm containers per pool (one pool per image and container-level limits); default min(2, cpus). */
  poolSize?: number;
  /**
   * Replace a container after this many jobs; default 500. The runner empties and checks the
   * container after every job and any failing job replaces it; this cap only bounds slow drift
   * (the runner's own heap). A replacement costs about half a CPU-second of engine work, so a
   * small cap is a large throughput tax (50 made it about as costly as the jobs themselves).
   */
  maxUsesPerContainer?: number;
  /**
   * Job outcomes that also replace the container, besides what always does: what the runner
   * reports (processes left behind, a full disk, leftover IPC objects, a failed cleanup, a runner
   * or fork server that was tampered with) and a lost runner. Default `RECYCLE_POLICIES['on-limit']`:
   * the limits (timeout, memory, output). An ordinary wrong answer (an exception, a non-zero exit,
   * a crash, a compile error) keeps its container: the runner kills, empties and checks it after
   * every job. `on-failure` is the cautious choice: every failing job replaces its container.
   */
  recycleOn?: readonly RecycleOutcome[];
  logger?: Logger;
  /** Folder of the runtime profiles (`sandboxes/`); default the package's. */
  profilesRoot?: string;
  /** CPUs each container may use (CPU quota); default 1. */
  cpus?: number;
  /**
   * Run Python jobs in a fork of the warm runner instead of a fresh `python3`; default true.
   * Runs with test code always fork: the harness that tells whether the test code ran to its
   * end lives in the forked interpreter.
   */
  pythonFork?: boolean;
  /**
   * Remove this sandbox's containers on SIGINT, SIGTERM, SIGHUP and `beforeExit` by installing
   * process-wide listeners (removed again on dispose). Default false: a library leaves signals to
   * the application, which must call `dispose()`; the CLI asks for it.
   */
  handleSignals?: boolean;
  /**
   * Period of the lease that proves this sandbox alive to sweepers on other hosts or in other
   * PID namespaces sharing the engine; renewed four times per period. Default 60 s. A killed
   * owner's containers are swept there once about 1.5 periods have passed.
   */
  leaseMs?: number;
  /**
   * Sweep the engine again this often after the start-up sweep (default: only at start). A
   * long-lived process sharing an engine (the service's replicas) sets it, so that containers of
   * a peer killed after this process started are removed once that peer's lease has expired.
   */
  sweepEveryMs?: number;
  /**
   * Labels added to every container and lease this sandbox makes (to tell the service's
   * replicas apart in `docker ps`, or for an operator's own tooling). Keys in sandbench's own
   * namespace (`sandbench`, `sandbench.*`) are refused.
   */
  containerLabels?: Readonly<Record<string, string>>;
}

/** Refuse labels that would overwrite or impersonate sandbench's own. */
export function checkContainerLabels(labels: Readonly<Record<string, string>>, source = 'containerLabels'): void {
  for (const key of Object.keys(labels)) {
    if (key === 'sandbench' || key.startsWith('sandbench.') || key.trim() === '') {
      throw new InvalidInputError(`${source}: label '${key}' is reserved for sandbench's own labels (use another prefix)`, { details: { label: key } });
    }
  }
}

/**
 * Recycle policies by name: `on-limit` (the default: after a limit) and `on-failure` (after any
 * failing job, the cautious choice; slower when most answers fail).
 */
export const RECYCLE_POLICIES = {
  'on-limit': ['timeout', 'memory-limit', 'output-limit'],
  'on-failure': ['timeout', 'memory-limit', 'output-limit', 'runtime-error', 'compile-error', 'signal'],
} as const satisfies Record<string, readonly RecycleOutcome[]>;
export type RecyclePolicy = keyof typeof RECYCLE_POLICIES;

const DEFAULT_RECYCLE_ON: readonly RecycleOutcome[] = RECYCLE_POLICIES['on-limit'];
const DEFAULT_MAX_USES = 500;
/**
 * A step starved of CPU runs on past its wall limit up to this multiple of it (at most 600 s
 * more), then it is an engine fault; the same backstop as the isolate sandbox's reruns.
 */
const BACKSTOP_FACTOR = 50;
const BACKSTOP_MAX_EXTRA_MS = 600_000;
/** How long the engine has to answer the first check. */
const ENGINE_CHECK_MS = 3000;
/** Time the host allows beyond the steps' own limits before it declares the runner stuck. */
const OUTER_DEADLINE_MARGIN_MS = 5_000;
const JOB_ENVIRONMENT = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  LANG: 'C.UTF-8',
  TMPDIR: '/tmp',
  HOME: '/work/job',
  PYTHONDONTWRITEBYTECODE: '1',
};

/**
 * Runs programs in hardened, pooled Docker containers. Each container's PID 1 is a resident
 * runner (runner/runner.py) fed framed jobs over the attach stream; see docker/*.ts.
 */
export class DockerSandbox implements Sandbox {
  readonly name = 'docker';
  readonly capabilities: SandboxCapabilities;
  private readonly docker: DockerEngine;
  private readonly logger: Logger;
  private readonly poolSize: number;
  private readonly maxUses: number;
  private readonly recycleOn: ReadonlySet<RecycleOutcome>;
  private readonly profilesRoot: string | undefined;
  private readonly cpus: number;
  private readonly pythonFork: boolean;
  private readonly handleSignals: boolean;
  private readonly owner: ContainerOwner;
  private readonly lease: OwnerLease;
  private readonly pools = new Map<string, ContainerPool>();
  /** Open sessions (each its own container); dispose removes them. */
  private readonly sessions = new Set<DockerSession>();
  private ready: Promise<void> | null = null;
  /** The start-up sweep, running beside the first jobs (dispose waits for it). */
  private sweeping: Promise<void> | null = null;
  private disposed: Promise<void> | null = null;
  private untrack: (() => void) | null = null;
  private readonly sweepEveryMs: number | undefined;
  private sweepTimer: NodeJS.Timeout | null = null;

  constructor(options: DockerSandboxOptions = {}) {
    this.docker = options.docker ?? createDockerEngine();
    this.logger = options.logger ?? silentLogger;
    this.poolSize = Math.max(1, options.poolSize ?? Math.min(2, availableParallelism()));
    this.maxUses = Math.max(1, options.maxUsesPerContainer ?? DEFAULT_MAX_USES);
    this.recycleOn = new Set(options.recycleOn ?? DEFAULT_RECYCLE_ON);
    this.profilesRoot = options.profilesRoot;
    this.cpus = options.cpus ?? 1;
    this.pythonFork = options.pythonFork ?? true;
    this.handleSignals = options.handleSignals ?? false;
    const owner = createContainerOwner();
    if (options.containerLabels) checkContainerLabels(options.containerLabels);
    // sandbench's own labels last: they decide ownership and sweeps.
    this.owner = options.containerLabels ? { ...owner, labels: { ...options.containerLabels, ...owner.labels } } : owner;
    this.sweepEveryMs = options.sweepEveryMs !== undefined && options.sweepEveryMs > 0 ? Math.max(1000, options.sweepEveryMs) : undefined;
    this.lease = new OwnerLease(this.docker, this.owner, {
      logger: this.logger,
      ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
    });
    const languages = [...loadRuntimeProfiles(...(this.profilesRoot ? [this.profilesRoot] : [])).values()]
      .filter((profile) => profile.backends.includes('docker'))
      .map((profile) => profile.language);
    this.capabilities = { languages, processes: true, filesystem: true };
  }

  /**
   * Check the engine, sweep containers left by dead processes, and (optionally) start the pool
   * for `languages` so the first jobs do not wait for containers. `run` does the first two itself,
   * without waiting for the sweep.
   */
  async warmUp(languages: readonly Language[] = []): Promise<void> {
    await this.ensureReady();
    await Promise.all([
      this.sweeping,
      ...languages.map((language) => {
        const profile = this.profile(language);
        const { spec } = this.plan(profile, {});
        return this.pool(spec).warm();
      }),
    ]);
  }

  /** The image each language runs in, with the image id the engine holds for it now. */
  async describe(languages: readonly Language[]): Promise<Record<string, unknown>> {
    await this.ensureReady();
    const images: Record<string, string> = {};
    for (const language of languages) {
      const profile = this.profile(language);
      const { spec } = this.plan(profile, {});
      if (images[spec.image] !== undefined) continue;
      images[spec.image] = await this.docker
        .getImage(spec.image)
        .inspect()
        .then((image) => image.Id)
        .catch((error: unknown) => `unknown (${errorMessage(error)})`);
    }
    return { images };
  }

  async run(request: SandboxRunRequest): Promise<ExecutionResult> {
    if (this.disposed) throw new SandboxError('the Docker sandbox was disposed', { code: 'sandbox-failure' });
    const profile = this.profile(request.language, request.variant);
    const runLimits = resolveLimits([profile.limits, request.limits]);
    const compileLimits = profile.compile
      ? resolveLimits([profile.compile.limits, request.compileLimits], DEFAULT_COMPILE_LIMITS)
      : undefined;

    // Work files: the program with its test code (transpiled on the host for TypeScript) and the
    // request's extras. The completion marker is never written into any of them.
    const { text: programText, testOffset } = joinProgram(request.source, request.testCode);
    const prepared = await this.workFiles(request, profile, programText);
    if ('status' in prepared) return prepared;
    const { files, options, hostCompile } = prepared;
    const collect = (request.collectFiles ?? []).map((path) => path);

    if (request.signal?.aborted) return cancelledResult('cancelled before it started', 0);
    await this.ensureReady();

    const { spec, jobMemoryBytes } = this.plan(profile, { run: runLimits, ...(compileLimits ? { compile: compileLimits } : {}) });
    const steps: RunnerStep[] = [];
    if (profile.compile && compileLimits) {
      const command = withPrecompiledHeader(profile.compile.command, programText, profile.compile.precompiledHeaders);
      steps.push(this.step('compile', command, compileLimits, jobMemoryBytes, false, profile));
    }
    const runStep = this.step('run', profile.run.command, runLimits, jobMemoryBytes, true, profile, request.testCode !== undefined);
    steps.push(runStep);
    // Whether the test code runs to its end: the runner is asked when a harness can tell, and
    // `testCompleted` is false outright when the program part cannot stand on its own.
    let testCompleted: boolean | undefined;
    if (request.testCode !== undefined) {
      const completion = completionFor(profile, runStep, programText, testOffset);
      if (
        completion &&
        profile.hostTranspile &&
        options &&
        !(await transpileTypescriptOffThread(request.source, options, { fileName: profile.sourceFile, limits: request.compileLimits })).ok
      ) {
        // The answer alone does not parse: its syntax runs on into the test code.
        testCompleted = false;
      } else if (completion) {
        runStep.completion = completion;
      }
    }
    const tar = await packFiles(files);
    const deadlineMs = steps.reduce((sum, step) => sum + step.timeoutMs, 0) + OUTER_DEADLINE_MARGIN_MS;

    const pool = this.pool(spec);
    const container = await this.acquire(pool, request.signal);
    if (!container) return cancelledResult('cancelled while waiting for a container', 0);

    let recycle: string | null = null;
    const onAbort = (): void => takeAway(container);
    request.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await container.started.connection.runJob(
        {
          steps,
          files: tar,
          stdin: Buffer.from(request.stdin ?? '', 'utf8'),
          collect,
          collectMaxBytes: runLimits.maxOutputBytes,
          keepAfterFailure: !this.recycleOn.has('runtime-error'),
        },
        deadlineMs,
      );
      const execution = this.toExecutionResult(result, runLimits, compileLimits, steps);
      if (hostCompile && !execution.compile) execution.compile = hostCompile;
      const runFacts = result.steps.length === steps.length ? result.steps[result.steps.length - 1] : undefined;
      if (runStep.completion) execution.testCompleted = runFacts?.testCompleted === true;
      else if (testCompleted !== undefined) execution.testCompleted = testCompleted;
      if (result.recycle.length > 0) recycle = result.recycle.join(',');
      else if (this.shouldRecycle(execution)) recycle = `outcome ${execution.status}`;
      return execution;
    } catch (error) {
      recycle = 'job failed';
      if (request.signal?.aborted) return cancelledResult('cancelled; its container was removed', 0);
      return await this.judgeLostJob(error, container.started, deadlineMs);
    } finally {
      request.signal?.removeEventListener('abort', onAbort);
      pool.release(container, recycle);
    }
  }

  /**
   * One program run once per stdin, compiled once: one runner job whose compile step runs once
   * and whose run step runs per stdin, each from a fresh copy of the compiled work directory
   * with an empty /tmp and nothing left running (the runner cleans and checks between runs as
   * between jobs). When a run leaves its container unfit for the next (a limit, residue,
   * tampering, or a failure under `on-failure`), the runner stops there and the rest goes to
   * another container with the compiled files (not compiled again). A compile error is every
   * run's result; a lost runner has the rest judged one `run` at a time.
   */
  async runBatch(request: SandboxBatchRequest): Promise<ExecutionResult[]> {
    if (this.disposed) throw new SandboxError('the Docker sandbox was disposed', { code: 'sandbox-failure' });
    const { stdins } = request;
    if (stdins.length === 0) return [];
    const profile = this.profile(request.language, request.variant);
    const runLimits = resolveLimits([profile.limits, request.limits]);
    const compileLimits = profile.compile
      ? resolveLimits([profile.compile.limits, request.compileLimits], DEFAULT_COMPILE_LIMITS)
      : undefined;
    const prepared = await this.workFiles(request, profile, request.source);
    if ('status' in prepared) return stdins.map(() => ({ ...prepared }));
    const results: ExecutionResult[] = [];
    const cancelled = (message: string): ExecutionResult[] => stdins.slice(results.length).map(() => cancelledResult(message, 0));
    if (request.signal?.aborted) return cancelled('cancelled before it started');
    await this.ensureReady();

    const { spec, jobMemoryBytes } = this.plan(profile, { run: runLimits, ...(compileLimits ? { compile: compileLimits } : {}) });
    const runStep = this.step('run', profile.run.command, runLimits, jobMemoryBytes, true, profile);
    let steps: RunnerStep[] = profile.compile && compileLimits
      ? [
          this.step(
            'compile',
            withPrecompiledHeader(profile.compile.command, request.source, profile.compile.precompiledHeaders),
            compileLimits,
            jobMemoryBytes,
            false,
            profile,
          ),
          runStep,
        ]
      : [runStep];
    let files = await packFiles(prepared.files);
    let compile: ExecutionResult['compile'] = prepared.hostCompile;
    const pool = this.pool(spec);
    while (results.length < stdins.length) {
      const pending = stdins.slice(results.length);
      const deadlineMs = steps.slice(0, -1).reduce((sum, step) => sum + step.timeoutMs, 0) + pending.length * runStep.timeoutMs + OUTER_DEADLINE_MARGIN_MS;
      const container = await this.acquire(pool, request.signal);
      if (!container) return [...results, ...cancelled('cancelled while waiting for a container')];
      let recycle: string | null = null;
      let lost = false;
      const onAbort = (): void => takeAway(container);
      request.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const result = await container.started.connection.runJob(
          {
            steps,
            files,
            stdin: Buffer.alloc(0),
            stdins: pending.map((stdin) => Buffer.from(stdin, 'utf8')),
            collect: [],
            collectMaxBytes: 0,
            keepAfterFailure: !this.recycleOn.has('runtime-error'),
          },
          deadlineMs,
        );
        if (result.recycle.length > 0) recycle = result.recycle.join(',');
        let facts = result.steps;
        if (steps.length > 1 && compileLimits) {
          const [compileFacts] = facts;
          if (!compileFacts) throw new SandboxError('the runner returned no compile step', { code: 'sandbox-failure' });
          if (compileFacts.starved) throw starvedStepError(compileFacts, compileLimits);
          const judged = compileOutcome(compileFacts, compileLimits, steps[0]!);
          compile = judged.compile;
          if (judged.failed) {
            if (this.shouldRecycle(judged.failed)) recycle ??= `outcome ${judged.failed.status}`;
            for (let index = results.length; index < stdins.length; index++) results.push({ ...judged.failed });
            break;
          }
          facts = facts.slice(1);
        }
        for (const runFacts of facts) {
          if (runFacts.starved) throw starvedStepError(runFacts, runLimits);
          const execution = runExecution(runFacts, runLimits, runStep, compile);
          if (this.shouldRecycle(execution)) recycle ??= `outcome ${execution.status}`;
          results.push(execution);
        }
        if (result.stopped !== undefined || (facts.length === 0 && results.length < stdins.length)) {
          // The runner could not run this batch (say, a compiled program too large to keep):
          // the rest one `run` at a time.
          lost = true;
        } else if (result.snapshot) {
          // The rest in another container, from the compiled files.
          files = result.snapshot;
          steps = [runStep];
        }
      } catch (error) {
        recycle = 'job failed';
        if (request.signal?.aborted) return [...results, ...cancelled('cancelled; its container was removed')];
        // An engine fault (the container removed from outside, the engine gone) is one here as in
        // `run` (this throws it); what a program may have done is judged below, run by run.
        await this.judgeLostJob(error, container.started, deadlineMs);
        lost = true;
      } finally {
        request.signal?.removeEventListener('abort', onAbort);
        pool.release(container, recycle);
      }
      if (lost) {
        // The runner was lost (or stuck) during the batch, or could not run it: the rest as
        // separate jobs, so that a run responsible is judged on its own.
        for (const stdin of stdins.slice(results.length)) {
          const { stdins: _all, ...single } = request;
          results.push(await this.run({ ...single, stdin }));
        }
      }
    }
    return results;
  }

  /** The work files of a request (TypeScript transpiled on the host), or its compile error. */
  private async workFiles(
    request: Pick<SandboxRunRequest, 'files' | 'typescript' | 'compileLimits' | 'source'>,
    profile: LoadedRuntimeProfile,
    programText: string,
  ): Promise<{ files: WorkFile[]; options?: ReturnType<typeof typescriptOptionsSchema.parse>; hostCompile?: CompileResult } | ExecutionResult> {
    const files: WorkFile[] = [];
    let options: ReturnType<typeof typescriptOptionsSchema.parse> | undefined;
    let hostCompile: CompileResult | undefined;
    if (profile.hostTranspile) {
      const started = performance.now();
      options = typescriptOptionsSchema.parse(request.typescript ?? {});
      const transpiled = await transpileTypescriptOffThread(programText, options, { fileName: profile.sourceFile, limits: request.compileLimits });
      if (!transpiled.ok) {
        const compile: CompileResult = { status: transpiled.status, stdout: '', stderr: transpiled.diagnostics, exitCode: null, durationMs: performance.now() - started };
        return compileErrorResult('docker', compile, { message: `TypeScript transpile failed: ${transpiled.message}` });
      }
      // TypeScript's compile step happens on the host: it is reported like any compile step.
      hostCompile = { status: 'ok', stdout: '', stderr: '', exitCode: 0, durationMs: performance.now() - started };
      files.push({ path: profile.sourceFile, content: programText });
      files.push({ path: profile.hostTranspile.transpiledFile, content: transpiled.code });
    } else {
      files.push({ path: profile.sourceFile, content: programText });
    }
    const reserved = new Set(files.map((file) => normalizeWorkPath(file.path)));
    for (const [path, content] of Object.entries(request.files ?? {})) {
      if (reserved.has(normalizeWorkPath(path))) {
        throw new InvalidInputError(`extra file '${path}' would overwrite the program's own file`, { details: { path } });
      }
      files.push({ path, content });
    }
    return { files, ...(options ? { options } : {}), ...(hostCompile ? { hostCompile } : {}) };
  }

  /** An idle container of `pool`, or undefined when `signal` fired while waiting. */
  private async acquire(pool: ContainerPool, signal: AbortSignal | undefined): Promise<PooledContainer | undefined> {
    try {
      return await pool.acquire(signal);
    } catch (error) {
      if (signal?.aborted) return undefined;
      throw error;
    }
  }

  /**
   * Opens a session for an agent episode: a container of its own (never from the warm pool),
   * hardened like pool containers and owned (labelled, leased) like them, so that `dispose`, the
   * exit cleanup and a later sweep all remove it. The session's `limits` set the container's
   * memory, processes and disk (the runtime profile's otherwise); its work directory is mounted
   * with exec, so a program the agent compiles there can run. `files` are written before it
   * returns. See `DockerSession` for what persists between commands.
   */
  async openSession(options: SandboxSessionOptions): Promise<SandboxSession> {
    if (this.disposed) throw new SandboxError('the Docker sandbox was disposed', { code: 'sandbox-failure' });
    const profile = this.profile(options.language);
    const limits = resolveLimits([profile.limits, options.limits]);
    // Bad paths are refused before a container is made.
    const files = Object.entries(options.files ?? {});
    await packFiles(files.map(([path, content]) => ({ path, content })));
    options.signal?.throwIfAborted();
    await this.ensureReady();
    const image = profile.image.includes(':') ? profile.image : `${profile.image}:latest`;
    const spec: ContainerSpec = {
      image,
      memoryBytes: limits.memoryBytes + RUNNER_MEMORY_OVERHEAD_BYTES,
      // The runner is one process of the container.
      pids: limits.pids + 1,
      diskBytes: limits.diskBytes,
      workdirExec: true,
      nanoCpus: Math.round(this.cpus * 1e9),
      ownerLabels: this.owner.labels,
    };
    const started = await startSandboxContainer(this.docker, spec);
    const session = new DockerSession({
      started,
      limits,
      step: (argv, commandLimits) => this.step('run', argv, commandLimits, limits.memoryBytes, true, profile),
      judge: (facts, commandLimits, step) => {
        if (facts.starved) throw starvedStepError(facts, commandLimits);
        return runExecution(facts, commandLimits, step, undefined);
      },
      judgeLost: (error, lost, deadlineMs) => this.judgeLostJob(error, lost, deadlineMs),
      onDisposed: (closed) => this.sessions.delete(closed),
    });
    this.sessions.add(session);
    try {
      // The sandbox was disposed while the container started: nobody else would remove it.
      if (this.disposed) throw new SandboxError('the Docker sandbox was disposed', { code: 'sandbox-failure' });
      options.signal?.throwIfAborted();
      if (files.length > 0) await session.writeFiles(Object.fromEntries(files));
    } catch (error) {
      await session.dispose().catch(() => {});
      throw error;
    }
    return session;
  }

  /** Ids of the containers this sandbox holds now (for diagnostics and tests). */
  containerIds(): string[] {
    return [...[...this.pools.values()].flatMap((pool) => pool.containerIds()), ...[...this.sessions].map((session) => session.containerId)];
  }

  /** The random owner id on this sandbox's containers and lease (label `sandbench.owner`). */
  get ownerId(): string {
    return this.owner.id;
  }

  /** Remove containers of owners proved gone; a failure is logged, never thrown. */
  private sweepOnce(): Promise<void> {
    return sweepContainers(this.docker).then(
      (swept) => {
        if (swept.removed.length > 0) {
          this.logger.info({ removed: swept.removed.length }, 'removed sandbox containers left by dead processes');
        }
      },
      (error: unknown) => {
        this.logger.warn({ err: error }, 'could not sweep leftover sandbox containers');
      },
    );
  }

  /** Remove every container this sandbox made, then its lease; idempotent. */
  dispose(): Promise<void> {
    if (!this.disposed) {
      this.disposed = (async () => {
        if (this.sweepTimer) clearInterval(this.sweepTimer);
        this.sweepTimer = null;
        await Promise.all([
          ...[...this.pools.values()].map((pool) => pool.dispose()),
          ...[...this.sessions].map((session) => session.dispose().catch(() => {})),
        ]);
        await this.sweeping;
        this.pools.clear();
        // A container that could not be removed keeps the lease until it expires, so that
        // sweepers elsewhere remove the container too. (Never used: no engine call at all.)
        const left = this.lease.acquired
          ? await this.docker.listContainers({ all: true, filters: { label: [`${OWNER_ID_LABEL}=${this.owner.id}`] } }).catch(() => null)
          : [];
        await this.lease.release(left !== null && left.length === 0);
        this.untrack?.();
      })();
    }
    return this.disposed;
  }

  private profile(language: Language, variant?: string): LoadedRuntimeProfile {
    const profile = profileVariant(runtimeProfile(language, this.profilesRoot), variant);
    if (!profile.backends.includes('docker')) {
      throw new SandboxError(`language '${language}' has no Docker runtime (its profile lists: ${profile.backends.join(', ')})`, {
        code: 'unsupported',
        details: { language },
      });
    }
    return profile;
  }

  /**
   * Check the engine and take the lease once (retried on the next run if it failed), then sweep
   * in the background: nothing a run does waits for containers of dead owners to go.
   */
  private ensureReady(): Promise<void> {
    if (!this.ready) {
      this.ready = (async () => {
        // The engine's cheapest answer (/_ping); only a failure pays for the full diagnosis.
        if (!(await engineAnswers(this.docker, ENGINE_CHECK_MS))) {
          const ping = await diagnoseEngine(this.docker, ENGINE_CHECK_MS);
          if (!ping.ok) throw new SandboxError(ping.message, { code: 'sandbox-unavailable' });
        }
        if (this.handleSignals && !this.disposed) this.untrack ??= cleanupOnExit({ removeAll: () => this.dispose() });
        // The lease exists before the first container, so no container is ever without one.
        await this.lease.acquire();
        this.sweeping = this.sweepOnce();
        if (this.sweepEveryMs !== undefined && !this.disposed) {
          this.sweepTimer = setInterval(() => {
            // One sweep at a time; dispose waits for the one running.
            if (this.disposed) return;
            this.sweeping = (this.sweeping ?? Promise.resolve()).then(() => (this.disposed ? undefined : this.sweepOnce()));
          }, this.sweepEveryMs);
          this.sweepTimer.unref();
        }
      })();
      this.ready.catch(() => {
        this.ready = null;
      });
    }
    return this.ready;
  }

  /** Container-level settings (the pool key) and the job memory the container's cgroup enforces. */
  private plan(
    profile: LoadedRuntimeProfile,
    limits: { run?: ExecutionLimits; compile?: ExecutionLimits },
  ): { spec: ContainerSpec; jobMemoryBytes: number } {
    const run = limits.run ?? resolveLimits([profile.limits]);
    const compile =
      limits.compile ?? (profile.compile ? resolveLimits([profile.compile.limits], DEFAULT_COMPILE_LIMITS) : undefined);
    const jobMemoryBytes = Math.max(run.memoryBytes, compile?.memoryBytes ?? 0);
    const image = profile.image.includes(':') ? profile.image : `${profile.image}:latest`;
    const spec: ContainerSpec = {
      image,
      memoryBytes: jobMemoryBytes + RUNNER_MEMORY_OVERHEAD_BYTES,
      // The runner is one process of the container.
      pids: Math.max(run.pids, compile?.pids ?? 0) + 1,
      diskBytes: Math.max(run.diskBytes, compile?.diskBytes ?? 0),
      workdirExec: profile.workdirExec ?? false,
      nanoCpus: Math.round(this.cpus * 1e9),
      ownerLabels: this.owner.labels,
    };
    return { spec, jobMemoryBytes };
  }

  private pool(spec: ContainerSpec): ContainerPool {
    // A run that passed its checks while dispose() ran must not start containers nobody removes.
    if (this.disposed) throw new SandboxError('the Docker sandbox was disposed', { code: 'sandbox-failure' });
    const key = JSON.stringify(spec);
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new ContainerPool(this.docker, spec, {
        size: this.poolSize,
        maxUses: this.maxUses,
        logger: this.logger.child({ image: spec.image }),
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  private step(
    name: 'compile' | 'run',
    argv: string[],
    limits: ExecutionLimits,
    jobMemoryBytes: number,
    readsStdin: boolean,
    profile: LoadedRuntimeProfile,
    hasTestCode = false,
  ): RunnerStep {
    const step: RunnerStep = {
      name,
      argv: [...argv],
      mode: 'exec',
      env: { ...JOB_ENVIRONMENT, ...profile.env },
      timeoutMs: limits.timeoutMs,
      cpuTimeMs: limits.cpuTimeMs,
      backstopMs: Math.min(limits.timeoutMs * BACKSTOP_FACTOR, limits.timeoutMs + BACKSTOP_MAX_EXTRA_MS),
      memoryBytes: limits.memoryBytes,
      maxOutputBytes: limits.maxOutputBytes,
      fileSizeBytes: limits.diskBytes,
      openFiles: 256,
      // The cgroup enforces the largest step's memory; a smaller step (a compiled program after
      // its compiler) gets RLIMIT_AS on top.
      memoryRlimit: limits.memoryBytes < jobMemoryBytes ? (profile.memoryRlimit ?? 'as') : 'none',
      stdin: readsStdin,
    };
    if (name === 'run' && (this.pythonFork || hasTestCode) && profile.language === 'python') {
      const scriptIndex = plainPythonScriptIndex(argv);
      if (scriptIndex !== null) {
        step.mode = 'python-fork';
        step.script = argv[scriptIndex]!;
        step.scriptIndex = scriptIndex;
        step.unbuffered = argv.slice(1, scriptIndex).includes('-u');
      }
    }
    return step;
  }

  private shouldRecycle(result: ExecutionResult): boolean {
    const status = result.status;
    if (status !== 'ok' && this.recycleOn.has(status as RecycleOutcome)) return true;
    if (result.compile && result.compile.status !== 'ok' && this.recycleOn.has(result.compile.status as RecycleOutcome)) return true;
    return result.signal !== null && this.recycleOn.has('signal');
  }

  private toExecutionResult(
    result: RunnerJobResult,
    runLimits: ExecutionLimits,
    compileLimits: ExecutionLimits | undefined,
    steps: RunnerStep[],
  ): ExecutionResult {
    const files: CollectedFile[] = result.files.map((file) => {
      const entry: CollectedFile = { path: file.path };
      if (file.content !== undefined) entry.contentBase64 = file.content.toString('base64');
      if (file.error !== undefined) entry.error = file.error;
      return entry;
    });
    let compile: ExecutionResult['compile'];
    let runFacts: RunnerStepResult | undefined;
    for (const [index, facts] of result.steps.entries()) {
      const step = steps[index]!;
      if (facts.starved) throw starvedStepError(facts, step.name === 'compile' && compileLimits ? compileLimits : runLimits);
      if (step.name === 'compile' && compileLimits) {
        const judged = compileOutcome(facts, compileLimits, step);
        compile = judged.compile;
        if (judged.failed) return files.length > 0 ? { ...judged.failed, files } : judged.failed;
      } else {
        runFacts = facts;
      }
    }
    if (!runFacts) throw new SandboxError('the runner returned no run step', { code: 'sandbox-failure' });
    const execution = runExecution(runFacts, runLimits, steps[steps.length - 1]!, compile);
    if (files.length > 0) execution.files = files;
    return execution;
  }

  /** The container's state after its runner was lost; undefined when it no longer exists. */
  private async inspectLost(docker: EngineContainer, cause: unknown): Promise<LostContainerState | undefined> {
    try {
      return (await docker.inspect()).State as LostContainerState;
    } catch (inspectError) {
      const status = (inspectError as { statusCode?: number } | null)?.statusCode;
      if (status === 404) return undefined;
      if (status === undefined) {
        const ping = await diagnoseEngine(this.docker, 2000);
        if (!ping.ok) throw new SandboxError(ping.message, { code: 'sandbox-unavailable', cause });
      }
      throw new SandboxError(`sandbox container vanished: ${errorMessage(inspectError)}`, { code: 'sandbox-failure', cause });
    }
  }

  /** The runner did not answer (deadline) or vanished: judge the job, or blame the engine. */
  private async judgeLostJob(error: unknown, started: StartedContainer, deadlineMs: number): Promise<ExecutionResult> {
    // Already judged an engine fault (a starved step).
    if (SandboxError.isInstance(error)) throw error;
    const { connection, container: docker } = started;
    if (error instanceof RunnerTimeoutError) {
      connection.close();
      await removeContainer(docker).catch(() => {});
      return lostResult('timeout', `the sandbox runner did not answer within ${deadlineMs} ms; its container was removed`);
    }
    if (error instanceof RunnerProtocolError) {
      if (error.recycle.includes('runner-tampered')) {
        return lostResult('runtime-error', `the program changed the sandbox runner's resource limits, which broke the job (${error.message}); container replaced`);
      }
      throw new SandboxError(`sandbox runner fault: ${error.message}`, { code: 'sandbox-failure', cause: error });
    }
    if (error instanceof RunnerGoneError) {
      const state = await this.inspectLost(docker, error);
      // The runner writes a traceback or a 'sandbench runner:' line only when it fails itself;
      // jobs cannot reach its stderr.
      if (/Traceback|sandbench runner:/.test(connection.diagnostics)) {
        throw new SandboxError(`sandbox runner crashed: ${connection.diagnostics.trim().slice(-500)}`, {
          code: 'sandbox-failure',
          cause: error,
        });
      }
      if (state?.OOMKilled) {
        return lostResult('memory-limit', 'the container ran out of memory and its runner was killed; container replaced');
      }
      // Removed or killed from outside (an operator, another tool): not the answer's doing. A
      // `docker rm -f` first kills, then removes: look again a moment later before blaming the job.
      const settled = state && !isBeingRemoved(state) ? await delay(REMOVAL_GRACE_MS).then(() => this.inspectLost(docker, error)) : state;
      if (!settled || isBeingRemoved(settled)) {
        throw new SandboxError('the sandbox container was removed or killed from outside sandbench while a job ran', {
          code: 'sandbox-failure',
          cause: error,
        });
      }
      return lostResult(
        'runtime-error',
        `the program killed the sandbox runner (container exit code ${settled.ExitCode ?? 'unknown'}); container replaced`,
      );
    }
    throw new SandboxError(`Docker sandbox failure: ${errorMessage(error)}`, { code: 'sandbox-failure', cause: error });
  }
}

/** What the engine says of a container whose runner went away; undefined once it is gone. */
interface LostContainerState {
  OOMKilled?: boolean;
  ExitCode?: number;
  Running?: boolean;
  Status?: string;
}

/** Time to wait before deciding that a dead container is not being removed by someone else. */
const REMOVAL_GRACE_MS = 500;

function isBeingRemoved(state: LostContainerState): boolean {
  return state.Status === 'removing' || state.Status === 'dead';
}

/** Whether the engine answers its ping endpoint within `timeoutMs` (never throws). */
async function engineAnswers(docker: DockerEngine, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    const ping = docker.ping().then(
      () => true,
      () => false,
    );
    return await Promise.race([ping, late]);
  } finally {
    clearTimeout(timer);
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * How the runner can tell whether a run step's test code ran to its end, or undefined when no
 * harness fits the step's command (C and C++: the test is the program's `main`; a profile's own
 * command). `testOffset` is where the test code starts in `text`, the source file's content.
 */
export function completionFor(
  profile: Pick<LoadedRuntimeProfile, 'language' | 'sourceFile' | 'hostTranspile'>,
  step: RunnerStep,
  text: string,
  testOffset: number,
): RunnerCompletion | undefined {
  const marker = randomBytes(16).toString('hex');
  const [program, script, ...rest] = step.argv;
  switch (profile.language) {
    case 'python':
      if (step.mode !== 'python-fork') return undefined;
      return { kind: 'python', marker, testOffset: Buffer.byteLength(text.slice(0, testOffset), 'utf8') };
    case 'javascript':
    case 'typescript': {
      const mainFile = profile.hostTranspile?.transpiledFile ?? profile.sourceFile;
      if (!/(^|\/)node$/.test(program ?? '') || script !== mainFile || rest.length > 0) return undefined;
      // main.js is the text itself for JavaScript; TypeScript's is transpiled (offset unknown).
      return { kind: 'node', marker, testOffset: profile.hostTranspile ? -1 : testOffset };
    }
    case 'bash':
      if (!/(^|\/)bash$/.test(program ?? '') || script !== profile.sourceFile || rest.length > 0) return undefined;
      return { kind: 'bash', marker, testOffset: Buffer.byteLength(text.slice(0, testOffset), 'utf8') };
    case 'c':
    case 'cpp':
    case 'java':
    case 'go':
    case 'rust':
      return undefined;
  }
}

/**
 * For `python3 [-u|-B|-s|-E ...] <script> [args]`: the index of the script, so the job can run
 * in a fork of the warm runner. Null for anything else (then it runs as a normal exec).
 */
export function plainPythonScriptIndex(argv: readonly string[]): number | null {
  if (!/^(?:\/usr\/bin\/|\/usr\/local\/bin\/)?python3?$/.test(argv[0] ?? '')) return null;
  for (let index = 1; index < argv.length; index += 1) {
    const arg = argv[index]!;
    if (['-u', '-B', '-s', '-E'].includes(arg)) continue;
    if (arg.startsWith('-')) return null;
    return arg.endsWith('.py') ? index : null;
  }
  return null;
}

const SIGNAL_EXPLANATIONS: Record<string, string> = {
  SIGSEGV: 'segmentation fault',
  SIGABRT: 'aborted',
  SIGFPE: 'arithmetic error',
  SIGBUS: 'bus error',
  SIGILL: 'illegal instruction',
};

/**
 * A step the runner stopped at its backstop, starved of CPU before it reached either limit, has
 * no verdict: one now would be the machine's load talking. An engine fault (`sandbox-error`, kept
 * out of scores and redone by `--resume`), worded as the isolate sandbox words it.
 */
export function starvedStepError(facts: RunnerStepResult, limits: ExecutionLimits): SandboxError {
  return new SandboxError(
    `the machine is too busy to judge this run: after ${Math.round(facts.wallMs)} ms of wall-clock time it had used ` +
      `${Math.round(facts.cpuMs ?? 0)} ms of CPU, below its limits (${limits.cpuTimeMs} ms CPU, ${limits.timeoutMs} ms wall clock)`,
    { code: 'sandbox-failure', details: { wallMs: facts.wallMs, cpuMs: facts.cpuMs, runQueueMs: facts.runQueueMs } },
  );
}

/**
 * Derive a step's status and message from the runner's facts (a starved step is not judged:
 * see `starvedStepError`). Time limits: the runner stopped it at one (CPU time, or wall time
 * less its run-queue delay), or its CPU time reached the CPU limit anyway (RLIMIT_CPU, rusage).
 */
export function judgeStep(
  facts: RunnerStepResult,
  limits: ExecutionLimits,
  step: Pick<RunnerStep, 'memoryRlimit'>,
): { status: ExecutionStatus; message: string } {
  const leftover = facts.leftBehind ? '; processes it left behind were killed' : '';
  if (facts.outputLimited) {
    return { status: 'output-limit', message: `output exceeded ${limits.maxOutputBytes} bytes${leftover}` };
  }
  const wallMessage = `wall-clock limit of ${limits.timeoutMs} ms reached`;
  // As the isolate says it: the CPU limit is named only when it is the tighter one.
  const limitMessage = limits.cpuTimeMs < limits.timeoutMs ? `CPU time limit of ${limits.cpuTimeMs} ms reached` : wallMessage;
  if (facts.timedOut) return { status: 'timeout', message: `${facts.timeLimit === 'cpu' ? limitMessage : wallMessage}${leftover}` };
  if (facts.oomKilled) return { status: 'memory-limit', message: `memory limit of ${limits.memoryBytes} bytes exceeded (killed by the OOM killer)${leftover}` };
  // The container's cgroup also holds the runner's share, so a job can exceed its own limit by
  // that margin without an OOM kill: its peak resident size tells.
  if (facts.maxRssBytes !== null && facts.maxRssBytes > limits.memoryBytes) {
    return { status: 'memory-limit', message: `memory limit of ${limits.memoryBytes} bytes exceeded (peak ${facts.maxRssBytes} bytes)${leftover}` };
  }
  if (facts.signal === 'SIGXCPU' || (facts.cpuMs !== null && facts.cpuMs >= limits.cpuTimeMs)) {
    return { status: 'timeout', message: `${limitMessage}${leftover}` };
  }
  if (facts.exitCode === 0) return { status: 'ok', message: facts.leftBehind ? 'processes it left behind were killed' : '' };
  // Under RLIMIT_AS (or RLIMIT_DATA) a failed allocation crashes the program rather than waking
  // the OOM killer: C++'s bad_alloc, Python's MemoryError, Go's and Rust's out-of-memory aborts.
  // The JVM caps its own heap (a quarter of the container's memory) and throws past it.
  if (/java\.lang\.OutOfMemoryError/.test(stderrEdges(facts.stderr))) {
    return { status: 'memory-limit', message: `memory limit reached (the JVM's heap, sized from ${limits.memoryBytes} bytes, is full)${leftover}` };
  }
  if (
    step.memoryRlimit !== 'none' &&
    ((facts.maxRssBytes !== null && facts.maxRssBytes >= 0.9 * limits.memoryBytes) ||
      /std::bad_alloc|MemoryError|Cannot allocate memory|runtime: out of memory|memory allocation of \d+ bytes failed/.test(stderrEdges(facts.stderr)))
  ) {
    return { status: 'memory-limit', message: `memory limit of ${limits.memoryBytes} bytes exceeded (allocation failed)${leftover}` };
  }
  if (facts.signal !== null) {
    const why = SIGNAL_EXPLANATIONS[facts.signal];
    return { status: 'runtime-error', message: `killed by ${facts.signal}${why ? ` (${why})` : ''}${leftover}` };
  }
  return { status: 'runtime-error', message: `exit code ${facts.exitCode}${leftover}` };
}

/**
 * The first and last 4 KiB of a step's stderr: where a runtime says it ran out of memory (Go
 * prints it first, then every goroutine's stack; C++ and Python print it last).
 */
function stderrEdges(stderr: Buffer): string {
  if (stderr.length <= 8192) return stderr.toString('utf8');
  return `${stderr.subarray(0, 4096).toString('utf8')}\n${stderr.subarray(stderr.length - 4096).toString('utf8')}`;
}

/** A compile step's outcome: what the results carry of it, and the result when it failed. */
function compileOutcome(
  facts: RunnerStepResult,
  limits: ExecutionLimits,
  step: Pick<RunnerStep, 'memoryRlimit'>,
): { compile: NonNullable<ExecutionResult['compile']>; failed?: ExecutionResult } {
  const judged = judgeStep(facts, limits, step);
  const compile: NonNullable<ExecutionResult['compile']> = {
    status: judged.status === 'runtime-error' ? 'compile-error' : judged.status,
    stdout: facts.stdout.toString('utf8'),
    stderr: facts.stderr.toString('utf8'),
    exitCode: facts.exitCode,
    durationMs: facts.wallMs,
  };
  if (judged.status === 'ok') return { compile };
  return {
    compile,
    failed: compileErrorResult('docker', compile, { message: `compilation failed: ${judged.message}`, stderrTruncated: facts.stderrTruncated }),
  };
}

/** The result of one run step (after its compile step, when there was one). */
function runExecution(
  facts: RunnerStepResult,
  limits: ExecutionLimits,
  step: Pick<RunnerStep, 'memoryRlimit'>,
  compile: ExecutionResult['compile'],
): ExecutionResult {
  const judged = judgeStep(facts, limits, step);
  const execution: ExecutionResult = {
    status: judged.status,
    exitCode: facts.exitCode,
    signal: facts.signal,
    stdout: facts.stdout.toString('utf8'),
    stderr: facts.stderr.toString('utf8'),
    stdoutTruncated: facts.stdoutTruncated,
    stderrTruncated: facts.stderrTruncated,
    durationMs: facts.wallMs,
    cpuTimeMs: facts.cpuMs,
    memoryBytes: facts.maxRssBytes,
    backend: 'docker',
  };
  if (judged.status !== 'ok' || judged.message) execution.message = judged.message;
  if (compile) execution.compile = compile;
  return execution;
}

/** Stop a job mid-flight, the only way there is: take its container away. */
function takeAway(container: PooledContainer): void {
  container.started.connection.close();
  void removeContainer(container.started.container).catch(() => {});
}

/** A run lost with its container or runner (built like every backend's lost runs). */
function lostResult(status: ExecutionStatus, message: string): ExecutionResult {
  return lostRunResult('docker', status, message);
}

/** A run the caller cancelled (built like every backend's cancels). */
function cancelledResult(message: string, durationMs: number): ExecutionResult {
  return cancelledRunResult('docker', { message, durationMs });
}
