#!/usr/bin/env node
import { fstatSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { Logger } from 'pino';
import { EXIT, exitCodeFor } from '../errors/exit-codes.ts';
import { errorMessage, InvalidInputError, SandbenchError } from '../errors/sandbench-error.ts';
import { formatZodIssues } from '../schemas/format-zod-error.ts';
import type { Language } from '../schemas/task.ts';
import type { ApprovalPolicy } from '../agents/agent-task-schema.ts';
import type { Model } from '../models/model.ts';
import { SANDBENCH_VERSION } from '../version.ts';
import {
  choiceOption,
  dockerRecycleOption,
  finiteNumber,
  formatOption,
  languageOption,
  sandboxOption,
  remoteOption,
  dockerEngineOption,
  shellWord,
  suiteOptions,
  tsTargetOption,
  wholeNumber,
} from './options.ts';
import { REPORT_FORMATS, renderReport, type ReportFormat } from './render-report.ts';
import { registerScoreCommand } from './score-command.ts';
import { registerServeCommand } from './serve-command.ts';
import { writeOutputFile } from './write-output-file.ts';

// Start-up time matters (`--version`, one `exec`): this module loads only commander and small
// modules; everything a command needs (zod, yaml, pino, the sandboxes) is imported by the command.

/** Languages by file extension, for `exec`. */
const EXTENSION_LANGUAGES: Record<string, Language> = {
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.ts': 'typescript',
  '.py': 'python',
  '.sh': 'bash',
  '.c': 'c',
  '.cc': 'cpp',
  '.cpp': 'cpp',
  '.cxx': 'cpp',
  '.java': 'java',
  '.go': 'go',
  '.rs': 'rust',
};

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** `SANDBENCH_LOG_LEVEL` when it names a level, else `warn` (with a warning). */
function defaultLogLevel(): string {
  const fromEnvironment = process.env.SANDBENCH_LOG_LEVEL;
  if (fromEnvironment === undefined || fromEnvironment === '') return 'warn';
  if (LOG_LEVELS.includes(fromEnvironment)) return fromEnvironment;
  process.stderr.write(`sandbench: warning: SANDBENCH_LOG_LEVEL '${fromEnvironment}' is not a level (${LOG_LEVELS.join(', ')}); using warn\n`);
  return 'warn';
}

/** How the user invokes sandbench, for the commands it prints (the wrapper sets it). */
const COMMAND_NAME = process.env.SANDBENCH_INVOKED_AS || 'sandbench';

/** Everything `run`, `validate` and `exec` create is disposed here, also on Ctrl-C. */
const cleanups: Array<() => Promise<void>> = [];
async function cleanupAll(): Promise<void> {
  const pending = cleanups.splice(0);
  await Promise.allSettled(pending.map((cleanup) => cleanup()));
}

let rootLogger: Logger | undefined;
async function logger(command: Command): Promise<Logger> {
  if (!rootLogger) {
    const { createCliLogger } = await import('./create-logger.ts');
    rootLogger = createCliLogger(command.optsWithGlobals().logLevel as string);
  }
  return rootLogger;
}

/** A progress reporter (cli-progress is loaded only by the commands that show progress). */
async function progressReporter(label: string, unit: string) {
  const { createProgressReporter } = await import('./progress-reporter.ts');
  return createProgressReporter(label, unit);
}

function warn(message: string): void {
  process.stderr.write(`sandbench: warning: ${message}\n`);
}

// Ctrl-C / SIGTERM. While a run, a validation or an exec is at work, the first one asks it to
// stop (a run keeps its finished samples and says how to resume) and a second one stops at once.
// Otherwise (loading, building images, reports) the first one stops at once.
const abort = new AbortController();
let stopSignal: NodeJS.Signals | undefined;
let graceful = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    const code = signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
    if (stopSignal || !graceful) {
      if (stopSignal) process.stderr.write(`\nsandbench: ${signal} again: stopping now\n`);
      stopSignal ??= signal;
      abort.abort();
      void cleanupAll().finally(() => process.exit(code));
      return;
    }
    stopSignal = signal;
    abort.abort();
  });
}

/** The exit code of a command that was asked to stop. */
function stoppedExitCode(): number {
  return stopSignal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
}

/** The sandboxes module loads the backends lazily; load it only when a command needs it. */
async function sandboxSet(
  forced: string | undefined,
  options: { dockerRecycle?: 'on-failure' | 'on-limit'; remote?: string; config?: string; dockerEngine?: string[] },
  log: Logger,
  oneRun = false,
) {
  const { SandboxSet } = await import('../sandboxes/resolve-sandbox.ts');
  const remote = await remoteServices(options);
  const dockerEngines = await dockerEngineSpecs(options);
  const sandboxes = new SandboxSet(forced as never, {
    logger: log,
    ...(remote ? { remote } : {}),
    ...(dockerEngines ? { dockerEngines } : {}),
    handleSignals: true,
    ...(options.dockerRecycle ? { dockerRecycle: options.dockerRecycle } : {}),
    // One program needs one worker or container, not a pool, nor what pays off over many runs.
    ...(oneRun ? { isolateWorkers: 1, isolateOneShot: true, dockerPoolSize: 1 } : {}),
  });
  cleanups.push(() => sandboxes.dispose());
  return sandboxes;
}

const program = new Command('sandbench')
  .description('Sandboxed code-execution evaluation engine')
  .version(SANDBENCH_VERSION)
  .addOption(
    new Option('--log-level <level>', 'log level (logs go to stderr as JSON lines)')
      .choices(LOG_LEVELS)
      .default(defaultLogLevel()),
  )
  .showHelpAfterError('(run with --help for usage)')
  // Throw instead of exiting, so that bad options get the usage exit code like bad input.
  .exitOverride();

/** Collects a repeatable option's values. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** A file-system-safe folder name for a model spec (`openai:gpt-4o` → `openai-gpt-4o`). */
function modelFolderName(spec: string): string {
  return spec.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'model';
}

/** The config file (`--config`, else the one in the working folder), read once per process. */
const configFiles = new Map<string, Promise<Awaited<ReturnType<typeof import('../models/model-config.ts').loadModelConfig>>>>();
async function configFile(path: string | undefined) {
  const key = path ?? '';
  let loaded = configFiles.get(key);
  if (!loaded) {
    loaded = import('../models/model-config.ts').then(({ loadModelConfig }) => loadModelConfig(path ? { path } : {}));
    configFiles.set(key, loaded);
  }
  return loaded;
}

/**
 * The services of the remote backend: `--remote` (comma-separated), else the config file's
 * `remotes`; the token from `SANDBENCH_REMOTE_TOKEN`, else the variable the config names.
 */
async function remoteServices(options: { remote?: string; config?: string }): Promise<{ urls: string[]; token?: string } | undefined> {
  const configured = (await configFile(options.config))?.config.remotes;
  const urls = options.remote !== undefined ? options.remote.split(',').map((url) => url.trim()).filter(Boolean) : configured?.urls;
  if (!urls || urls.length === 0) return undefined;
  const token = process.env.SANDBENCH_REMOTE_TOKEN ?? (configured?.tokenEnv ? process.env[configured.tokenEnv] : undefined);
  return { urls, ...(token ? { token } : {}) };
}

/** The Docker engines: `--docker-engine address[=pool]` (repeated), else the config file's `dockerEngines`. */
async function dockerEngineSpecs(options: { dockerEngine?: string[]; config?: string }): Promise<Array<{ address: string; poolSize?: number; certPath?: string }> | undefined> {
  if (options.dockerEngine && options.dockerEngine.length > 0) {
    return options.dockerEngine.map((entry) => {
      const match = /^(.*?)(?:=(\d+))?$/.exec(entry)!;
      const address = match[1]!;
      if (!/^(unix|tcp|ssh):\/\/.+/.test(address)) throw new InvalidInputError(`--docker-engine ${entry}: expected unix:///path, tcp://host:port or ssh://user@host, optionally =<pool size>`);
      return { address, ...(match[2] ? { poolSize: Number(match[2]) } : {}) };
    });
  }
  return (await configFile(options.config))?.config.dockerEngines;
}

/** The judge model (`--judge-model`) and the config file's approval policy, for agent and answer tasks. */
async function episodeSettings(
  options: { judgeModel?: string; config?: string },
  log: Awaited<ReturnType<typeof logger>>,
): Promise<{ judge?: Model; approval?: ApprovalPolicy }> {
  const { resolveModel } = await import('../models/resolve-model.ts');
  const judge = options.judgeModel ? await resolveModel(options.judgeModel, { ...(options.config ? { configPath: options.config } : {}), logger: log }) : undefined;
  const approval = (await configFile(options.config))?.config.approval;
  return { ...(judge ? { judge } : {}), ...(approval ? { approval } : {}) };
}

program
  .command('run')
  .description('ask a model for every task of a suite, score the answers in a sandbox, write a run journal')
  .argument('<suite>', 'folder of task files, a task file (YAML/JSON), or a dataset (.jsonl / .jsonl.gz)')
  .requiredOption(
    '-m, --model <spec>',
    'model (repeat for several): openai:<model> | anthropic:<model> | google:<model> | <configured provider>:<model> | reference | empty | scripted:<file.jsonl> | replay:<run folder>',
    collect,
  )
  .option('--config <file>', 'config file (default: sandbench.config.yaml / .yml / .json in the working folder)')
  .addOption(sandboxOption())
  .addOption(remoteOption())
  .addOption(dockerEngineOption())
  .option('-n, --samples <n>', 'samples per task', wholeNumber('--samples'), 1)
  .option('-c, --concurrency <n>', 'samples scored at once', wholeNumber('--concurrency'), 2)
  .option('--model-concurrency <n>', 'model requests in flight at once (default: the model\'s setting, else 4)', wholeNumber('--model-concurrency'))
  .option('-o, --out <dir>', 'run folder (default runs/<run id>; with several models, one folder per model inside it); refused if it holds a run, unless --resume')
  .option('--resume', 'continue the run in --out, skipping samples already in its journal')
  .addOption(formatOption())
  .option('--tasks <ids>', 'only these task ids (comma-separated)')
  .option('--limit <n>', 'only the first n tasks', wholeNumber('--limit'))
  .option('--system <text>', 'system prompt for provider models (replaces the harness\'s)')
  .addOption(choiceOption('--prompt-style <style>', 'chat: ask for one fenced block and fit the answer to the task; continuation: the code prefix is the prompt, the answer continues it', ['chat', 'continuation']))
  .option('--temperature <t>', 'sampling temperature for provider models (default 0, or 0.8 with --samples > 1)', finiteNumber('--temperature', 0, 2))
  .option('--top-p <p>', 'nucleus sampling (top_p) for provider models', finiteNumber('--top-p', Number.MIN_VALUE, 1))
  .option('--max-tokens <n>', 'most tokens an answer may have', wholeNumber('--max-tokens'))
  .option('--stop <text>', 'stop sequence (repeat for several)', collect)
  .option('--seed <n>', 'sampling seed, for providers that take one', wholeNumber('--seed', 0))
  .option('--feedback-turns <n>', 'repair turns: a failing answer\'s test output goes back to the model this many times', wholeNumber('--feedback-turns', 0), 0)
  .option('--cache', 'cache model answers on disk (default: on, except with --samples > 1 at a temperature above 0)')
  .option('--no-cache', 'never read or write the response cache')
  .addOption(choiceOption('--missing-answers <policy>', 'samples an offline model has no answer for: refuse the run, or score them as empty', ['error', 'empty']).default('error'))
  .option('--judge-model <spec>', 'model that judges the rubric (judge) scorers of agent and answer tasks; any model spec')
  .addOption(dockerRecycleOption())
  .option('--json', 'print the summary as JSON on stdout (an array with several models)')
  .action(async (suitePath: string, options, command: Command) => {
    if (options.resume && !options.out) throw new InvalidInputError('--resume needs --out <run folder>');
    const specs = [...new Set(options.model as string[])];
    // With --sandbox isolate the workers start first: their start-up overlaps loading the rest.
    if (options.sandbox === 'isolate') {
      const { prestartIsolateWorkers, stopPrestartedIsolateWorkers } = await import('../sandboxes/isolate/isolate-pool.ts');
      prestartIsolateWorkers();
      cleanups.push(async () => stopPrestartedIsolateWorkers());
    }
    const log = await logger(command);
    const { loadSuite } = await import('../datasets/load-suite.ts');
    const suite = await loadSuite(suitePath, suiteOptions(options));
    for (const warning of suite.warnings) warn(warning);
    const { resolveModel } = await import('../models/resolve-model.ts');
    // Every model is resolved (keys found, files read) before anything runs.
    const models: Array<Awaited<ReturnType<typeof resolveModel>>> = [];
    for (const spec of specs) models.push(await resolveModel(spec, { ...(options.config ? { configPath: options.config } : {}), logger: log }));
    const { judge, approval } = await episodeSettings(options, log);
    const sandboxes = await sandboxSet(options.sandbox, options, log);
    const { runSuite, runTemperature } = await import('../harness/run-suite.ts');
    const { formatSummary, formatLeaderboard } = await import('../report/format-summary.ts');
    const { ResponseCache } = await import('../models/response-cache.ts');
    // The cache is on unless asked otherwise, except when sampling several answers at a temperature above 0.
    const cacheFor = (model: (typeof models)[number]): InstanceType<typeof ResponseCache> | undefined => {
      const temperature = runTemperature(model, options.temperature, options.samples);
      return (options.cache ?? !(options.samples > 1 && temperature > 0)) ? new ResponseCache() : undefined;
    };
    const generation = {
      ...(options.system !== undefined ? { system: options.system as string } : {}),
      ...(options.topP !== undefined ? { topP: options.topP as number } : {}),
      ...(options.maxTokens !== undefined ? { maxTokens: options.maxTokens as number } : {}),
      ...(options.stop !== undefined ? { stopSequences: options.stop as string[] } : {}),
      ...(options.seed !== undefined ? { seed: options.seed as number } : {}),
    };
    // Several models share one folder, one run folder per model inside it, so one --out resumes them all.
    const out: string | undefined =
      options.out ?? (specs.length > 1 ? `runs/${new Date().toISOString().replace(/[-:]/g, '').replace(/\..+$/, '')}-${specs.length}-models` : undefined);
    const folderFor = (spec: string): string | undefined => (out === undefined ? undefined : specs.length === 1 ? out : `${out}/${modelFolderName(spec)}`);
    const resumeCommand = (): string =>
      [
        COMMAND_NAME,
        'run',
        suitePath,
        ...specs.flatMap((spec) => ['--model', spec]),
        ...(options.config ? ['--config', options.config] : []),
        ...(options.samples !== 1 ? ['--samples', String(options.samples)] : []),
        ...(options.tasks ? ['--tasks', options.tasks] : []),
        ...(options.limit ? ['--limit', String(options.limit)] : []),
        ...(options.format ? ['--format', options.format] : []),
        ...(options.sandbox ? ['--sandbox', options.sandbox] : []),
        ...(options.system !== undefined ? ['--system', options.system] : []),
        ...(options.promptStyle ? ['--prompt-style', options.promptStyle] : []),
        ...(options.temperature !== undefined ? ['--temperature', String(options.temperature)] : []),
        ...(options.topP !== undefined ? ['--top-p', String(options.topP)] : []),
        ...(options.maxTokens !== undefined ? ['--max-tokens', String(options.maxTokens)] : []),
        ...((options.stop as string[] | undefined) ?? []).flatMap((stop) => ['--stop', stop]),
        ...(options.seed !== undefined ? ['--seed', String(options.seed)] : []),
        ...(options.feedbackTurns ? ['--feedback-turns', String(options.feedbackTurns)] : []),
        ...(options.missingAnswers !== 'error' ? ['--missing-answers', options.missingAnswers] : []),
        ...(options.judgeModel ? ['--judge-model', options.judgeModel] : []),
        '--resume',
        '--out',
        out ?? lastFolder ?? '<run folder>',
      ]
        .map(shellWord)
        .join(' ');
    let lastFolder: string | undefined;
    const summaries = [];
    const incomplete: { engine: boolean; lines: string[] } = { engine: false, lines: [] };
    graceful = true;
    try {
      for (const [index, model] of models.entries()) {
        const progress = await progressReporter(`${suite.name} × ${model.id}`, 'samples');
        let note: string | undefined;
        let noteUntil = 0;
        let latest = { done: 0, total: 0, counts: {} as Record<string, number> };
        const show = (): void => progress.update({ ...latest, ...(note && Date.now() < noteUntil ? { note } : {}) });
        const outDir = folderFor(specs[index]!);
        const result = await runSuite({
          suite,
          model,
          sandboxes,
          samples: options.samples,
          concurrency: options.concurrency,
          ...(options.modelConcurrency ? { modelConcurrency: options.modelConcurrency } : {}),
          ...(outDir ? { outDir } : {}),
          ...(options.resume ? { resume: true } : {}),
          ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
          generation,
          feedbackTurns: options.feedbackTurns,
          ...(options.promptStyle ? { promptStyle: options.promptStyle } : {}),
          cache: cacheFor(model),
          missingAnswers: options.missingAnswers,
          ...(judge ? { judge } : {}),
          ...(approval ? { approval } : {}),
          logger: log,
          signal: abort.signal,
          onModelStatus: (status) => {
            note =
              status.kind === 'retrying'
                ? `retrying model (attempt ${status.attempt + 1} in ${(status.delayMs / 1000).toFixed(1)} s: ${status.reason})`
                : `rate-limited: waiting ${(status.delayMs / 1000).toFixed(1)} s`;
            noteUntil = Date.now() + Math.max(status.delayMs, 2000);
            show();
          },
          onProgress: (update) => {
            latest = { done: update.done, total: update.total, counts: { passed: update.passed, failed: update.failed, errors: update.errors } };
            show();
          },
        });
        progress.stop();
        lastFolder = result.folder;
        if (result.interrupted) {
          if (!result.started) {
            process.stderr.write(`\nsandbench: interrupted before the first sample of ${model.id}; nothing was written for it\n`);
          } else {
            const which = models.length > 1 ? ` of ${model.id}` : '';
            process.stderr.write(`\nsandbench: interrupted at ${result.progress.done}/${result.progress.total}${which}; resume with: ${resumeCommand()}\n`);
          }
          if (options.json) {
            const payload = { interrupted: true, model: model.id, done: result.progress.done, total: result.progress.total, folder: result.started ? result.folder : null, resume: resumeCommand() };
            process.stdout.write(JSON.stringify(payload, null, 2) + '\n');
          }
          process.exitCode = stoppedExitCode();
          return;
        }
        const { summary } = result;
        summaries.push(summary);
        if (!options.json && models.length === 1) process.stdout.write(formatSummary(summary, result.folder));
        if (!summary.complete) {
          const first = result.samples.find((sample) => sample.outcome === 'sandbox-error' || sample.outcome === 'model-error');
          if (summary.samples.sandboxErrors > 0 || summary.samples.modelErrors === 0) incomplete.engine = true;
          incomplete.lines.push(
            `${models.length > 1 ? `${model.id}: ` : ''}${summary.samples.unscored} of ${summary.samples.planned} samples were not scored` +
              ` (engine errors ${summary.samples.sandboxErrors}, model errors ${summary.samples.modelErrors}${first?.error ? `; first: ${first.error.split('\n')[0]}` : ''})`,
          );
        }
      }
      if (options.json) process.stdout.write(JSON.stringify(models.length === 1 ? summaries[0] : summaries, null, 2) + '\n');
      else if (models.length > 1) process.stdout.write(formatLeaderboard(summaries));
      if (incomplete.lines.length > 0) {
        process.stderr.write(`sandbench: the run is incomplete: ${incomplete.lines.join('; ')}. Fix the cause, then resume with: ${resumeCommand()}\n`);
        // Engine faults first: they are ours to fix; model faults alone are the provider's.
        process.exitCode = incomplete.engine ? EXIT.engine : EXIT.model;
      }
    } finally {
      await cleanupAll();
    }
  });

program
  .command('validate')
  .description('check a suite before launch: references pass, empty answers fail, verdicts are stable')
  .argument('<suite>', 'folder of task files, a task file, or a dataset')
  .addOption(sandboxOption())
  .addOption(remoteOption())
  .addOption(dockerEngineOption())
  .addOption(formatOption())
  .option('--repeats <n>', 'reference runs per task to detect flaky tests', wholeNumber('--repeats'), 3)
  .addOption(dockerRecycleOption())
  .option('-c, --concurrency <n>', 'tasks checked at once', wholeNumber('--concurrency'), 2)
  .option('--tasks <ids>', 'only these task ids (comma-separated)')
  .option('--judge-model <spec>', 'model that judges the rubric (judge) scorers of agent and answer tasks')
  .option('--config <file>', 'config file (providers of --judge-model)')
  .option('--json', 'print the findings as JSON on stdout')
  .action(async (suitePath: string, options, command: Command) => {
    const log = await logger(command);
    const { loadSuite } = await import('../datasets/load-suite.ts');
    const suite = await loadSuite(suitePath, suiteOptions(options));
    for (const warning of suite.warnings) warn(warning);
    const { judge } = await episodeSettings(options, log);
    const sandboxes = await sandboxSet(options.sandbox, options, log);
    const { validateSuite } = await import('../harness/validate-suite.ts');
    const { tasksNeedingBackends } = await import('../harness/run-suite.ts');
    const progress = await progressReporter(`validate ${suite.name}`, 'tasks');
    const counts = { sound: 0, failing: 0 };
    graceful = true;
    try {
      await sandboxes.prepare(tasksNeedingBackends(suite.tasks));
      progress.update({ done: 0, total: suite.tasks.length, counts });
      const report = await validateSuite({
        suite,
        sandboxes,
        ...(judge ? { judge } : {}),
        repeats: options.repeats,
        concurrency: options.concurrency,
        signal: abort.signal,
        onTask: (result, done, total) => {
          if (result.problems.some((problem) => problem.severity === 'error')) counts.failing += 1;
          else counts.sound += 1;
          progress.update({ done, total, counts });
        },
      });
      progress.stop();
      if (report.interrupted) {
        process.stderr.write(`\nsandbench: validation interrupted at ${report.checked}/${report.tasks} tasks\n`);
        process.exitCode = stoppedExitCode();
        return;
      }
      if (options.json) {
        process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      } else {
        const warnings = new Map<string, number>();
        for (const result of report.results) {
          for (const problem of result.problems) {
            if (problem.severity === 'error') process.stdout.write(`FAIL ${result.taskId}: ${problem.check}: ${problem.message}\n`);
            else warnings.set(problem.check, (warnings.get(problem.check) ?? 0) + 1);
          }
        }
        for (const [check, count] of warnings) process.stdout.write(`warning: ${count} task(s): ${check}\n`);
        process.stdout.write(
          report.failing === 0
            ? `${suite.name}: ${report.tasks} tasks, all sound\n`
            : `${suite.name}: ${report.failing} of ${report.tasks} tasks fail validation\n`,
        );
      }
      if (report.failing > 0) process.exitCode = EXIT.failures;
    } finally {
      progress.stop();
      await cleanupAll();
    }
  });

registerScoreCommand(program, { logger, sandboxSet, progressReporter, warn, signal: abort.signal, startGraceful: () => (graceful = true), stoppedExitCode, cleanupAll });
registerServeCommand(program, { logger, signal: abort.signal, startGraceful: () => (graceful = true) });

/**
 * The program's stdin for `exec`: `--stdin <file>`, `--stdin -` (this process's stdin), or,
 * without `--stdin`, what is piped in (a pipe: a file or a terminal on stdin is not input
 * meant for the program, as in `while read f; do sandbench exec "$f"; done < list`).
 */
async function execStdin(option: string | undefined): Promise<string> {
  if (option === '-' || (option === undefined && stdinIsPipe())) {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  if (option === undefined) return '';
  return readFile(option, 'utf8').catch((error: unknown) => {
    throw new InvalidInputError(`--stdin ${option}: cannot read: ${errorMessage(error)}`);
  });
}

function stdinIsPipe(): boolean {
  try {
    const info = fstatSync(0);
    // A shell pipe is a FIFO; a parent process's pipe is often a socket.
    return info.isFIFO() || info.isSocket();
  } catch {
    return false;
  }
}

program
  .command('exec')
  .description('run one program in a sandbox and print its execution result')
  .argument('<file>', 'program source file')
  .addOption(languageOption())
  .addOption(sandboxOption())
  .addOption(remoteOption())
  .addOption(dockerEngineOption())
  .option('--stdin <file>', "file to feed on standard input ('-': this process's stdin; default: piped input, if any)")
  .option('--timeout-ms <n>', 'wall-clock limit in milliseconds', wholeNumber('--timeout-ms'))
  .option('--cpu-time-ms <n>', 'CPU-time limit in milliseconds', wholeNumber('--cpu-time-ms'))
  .option('--memory-mb <n>', 'memory limit in MiB', wholeNumber('--memory-mb'))
  .addOption(tsTargetOption())
  .addOption(dockerRecycleOption())
  .option('--json', 'print the ExecutionResult as JSON')
  .action(async (file: string, options, command: Command) => {
    const log = await logger(command);
    const language: Language | undefined = options.language ?? EXTENSION_LANGUAGES[extname(file)];
    if (!language) {
      throw new InvalidInputError(
        `${file}: cannot tell the language from '${extname(file) || 'no extension'}': pass --language (${Object.keys(EXTENSION_LANGUAGES).join(', ')} are known)`,
      );
    }
    const source = await readFile(file, 'utf8').catch((error: unknown) => {
      throw new InvalidInputError(`${file}: cannot read: ${errorMessage(error)}`);
    });
    const stdin = await execStdin(options.stdin);
    const limits = {
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.cpuTimeMs ? { cpuTimeMs: options.cpuTimeMs } : {}),
      ...(options.memoryMb ? { memoryBytes: options.memoryMb * 1024 * 1024 } : {}),
    };
    const { MAXIMUM_LIMITS } = await import('../schemas/limits.ts');
    const flags: Record<string, string> = { timeoutMs: '--timeout-ms', cpuTimeMs: '--cpu-time-ms', memoryBytes: '--memory-mb' };
    for (const [name, value] of Object.entries(limits) as Array<[keyof typeof MAXIMUM_LIMITS, number]>) {
      if (value > MAXIMUM_LIMITS[name]) warn(`${flags[name]} is above the maximum (${MAXIMUM_LIMITS[name]}${name === 'memoryBytes' ? ' bytes' : ' ms'}); clamped to it`);
    }
    const sandboxes = await sandboxSet(options.sandbox, options, log, true);
    graceful = true;
    try {
      const sandbox = await sandboxes.forTask({ id: file, language, ...(options.sandbox ? { sandbox: options.sandbox } : {}) });
      const result = await sandbox.run({
        language,
        source,
        stdin,
        limits,
        ...(options.tsTarget ? { typescript: { target: options.tsTarget, module: 'commonjs' } } : {}),
        signal: abort.signal,
      });
      if (stopSignal) {
        process.stderr.write(`\nsandbench: interrupted; the program was stopped\n`);
        process.exitCode = stoppedExitCode();
        return;
      }
      if (options.json) {
        process.stdout.write(JSON.stringify(result, null, 2) + '\n');
      } else {
        process.stdout.write(result.stdout);
        process.stderr.write(result.stderr);
        process.stderr.write(
          `[sandbench] ${result.backend}: ${result.status}, exit ${result.exitCode ?? '-'}, ${result.durationMs.toFixed(1)} ms` +
            (result.message ? `: ${result.message}` : '') +
            '\n',
        );
      }
      if (result.status !== 'ok') process.exitCode = EXIT.failures;
    } finally {
      await cleanupAll();
    }
  });

program
  .command('schema')
  .description('write the JSON Schema of task files (for editor autocompletion)')
  .option('-o, --out <file>', 'write to a file instead of stdout')
  .action(async (options) => {
    const { taskFileJsonSchema } = await import('../schemas/task-file-json-schema.ts');
    const text = JSON.stringify(taskFileJsonSchema(), null, 2) + '\n';
    if (!options.out) {
      process.stdout.write(text);
      return;
    }
    await writeOutputFile(options.out, text);
  });

program
  .command('report')
  .description('leaderboards, the per-task matrix and model comparisons of finished runs, by suite')
  .argument('[folders...]', 'run folders (default: every folder under runs/)')
  .addOption(choiceOption('--format <format>', 'output format', REPORT_FORMATS).default('table'))
  .option('-o, --out <file>', 'write to a file instead of stdout')
  .option('--compare <models...>', 'compare two models (as named in the runs): tasks only one solves, paired tests')
  .option('--public', "leave private tasks' content out (their scores stay in the totals)")
  .option('--matrix', 'table: add the per-task matrix; csv: print the matrix instead of the leaderboard')
  .option('--details', 'json: include every sample (prompt, response, code, tests); html always does')
  .option('--json', 'the same as --format json')
  .option('--config <file>', 'config file with per-model prices (default: sandbench.config.yaml / .yml / .json in the working folder)')
  .action(async (folders: string[], options) => {
    const format: ReportFormat = options.json ? 'json' : options.format;
    const compare = options.compare as string[] | undefined;
    if (compare && compare.length !== 2) throw new InvalidInputError(`--compare takes two model names, got ${compare.length}: ${compare.join(' ')}`);
    const { loadModelConfig } = await import('../models/model-config.ts');
    const config = await loadModelConfig(options.config ? { path: options.config } : {});
    const { buildReport } = await import('../report/build-report.ts');
    const report = await buildReport(folders, {
      publicOnly: options.public === true,
      ...(compare ? { compare: [compare[0]!, compare[1]!] as const } : {}),
      details: format === 'html' || (format === 'json' && options.details === true),
      ...(config ? { models: config.config.models } : {}),
    });
    for (const { folder, reason } of report.skipped) process.stderr.write(`sandbench: skipping ${folder}: ${reason}\n`);
    const text = await renderReport(report, format, { matrix: options.matrix === true });
    if (options.out) await writeOutputFile(options.out, text);
    else process.stdout.write(text);
  });

const images = program.command('images').description('container images for the Docker sandbox');
images
  .command('build')
  .description('build images (offline from Debian packages by default), skipping those whose recipe is unchanged')
  .argument('[names...]', 'images to build (default: all)')
  .option('--offline', 'build from the Debian package recipes with debootstrap (the default)')
  .option('--online', 'build from the Dockerfiles (needs a reachable image registry)')
  .option('--force', 'rebuild even when the recipe hash matches')
  .action(async (names: string[], options, command: Command) => {
    if (options.offline && options.online) throw new InvalidInputError('choose one of --offline and --online');
    const { buildImages } = await import('../images/build-images.ts');
    const reports = await buildImages({
      ...(names.length > 0 ? { names } : {}),
      offline: !options.online,
      force: Boolean(options.force),
      logger: await logger(command),
      onProgress: (line: string) => process.stderr.write(line.endsWith('\n') ? line : line + '\n'),
    });
    for (const report of reports) process.stdout.write(JSON.stringify(report) + '\n');
  });

program
  .command('doctor')
  .description('check Node, the Docker engine and the images, with the command that fixes each problem')
  .option('--json', 'print the report as JSON')
  .action(async (options) => {
    const { doctor, formatDoctorReport } = await import('../images/doctor.ts');
    const report = await doctor();
    process.stdout.write(options.json ? JSON.stringify(report, null, 2) + '\n' : formatDoctorReport(report));
    if (!(report as { ok?: boolean }).ok) process.exitCode = EXIT.failures;
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  await cleanupAll();
  if (error instanceof CommanderError) {
    // Commander has printed its message; --help and --version end with exit code 0.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (SandbenchError.isInstance(error)) {
    process.stderr.write(`sandbench: error: ${error.message}\n`);
    process.exitCode = exitCodeFor(error);
  } else if (isZodError(error)) {
    process.stderr.write(`sandbench: error: ${formatZodIssues(error.issues)}\n`);
    process.exitCode = EXIT.usage;
  } else {
    process.stderr.write(`sandbench: internal error (please report): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = EXIT.internal;
  }
}

function isZodError(error: unknown): error is { issues: Parameters<typeof formatZodIssues>[0] } {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'ZodError' && Array.isArray((error as { issues?: unknown }).issues);
}
