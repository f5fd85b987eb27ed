#!/usr/bin/env node
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { Logger } from 'pino';
import { z } from 'zod';
import { loadSuite, type LoadSuiteOptions } from '../datasets/load-suite.ts';
import { errorMessage, SandbenchError } from '../errors/sandbench-error.ts';
import { runSuite } from '../harness/run-suite.ts';
import { validateSuite } from '../harness/validate-suite.ts';
import { resolveModel } from '../models/resolve-model.ts';
import { formatLeaderboard, formatSummary } from '../report/format-summary.ts';
import { runtimeProfile } from '../runtimes/runtime-profiles.ts';
import { SandboxSet } from '../sandboxes/resolve-sandbox.ts';
import { runSummarySchema, type RunSummary } from '../schemas/sample-result.ts';
import { languageSchema, sandboxNameSchema, taskSchema, type Language, type SandboxName } from '../schemas/task.ts';
import { SANDBENCH_VERSION } from '../version.ts';
import { createCliLogger } from './create-logger.ts';
import { createProgressReporter } from './progress-reporter.ts';

const EXIT_FAILURES = 1;
const EXIT_USAGE = 2;
const EXIT_ENGINE = 3;

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
};

function positiveInteger(name: string) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError(`${name} must be a whole number ≥ 1`);
    return parsed;
  };
}

function sandboxOption(value: string): SandboxName {
  const parsed = sandboxNameSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`unknown sandbox '${value}' (known: ${sandboxNameSchema.options.join(', ')})`);
  return parsed.data;
}

function languageOption(value: string): Language {
  const parsed = languageSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`unknown language '${value}' (known: ${languageSchema.options.join(', ')})`);
  return parsed.data;
}

/** `--format`, `--tasks a,b` and `--limit n` as loadSuite options. */
function suiteOptions(options: { format?: string; tasks?: string; limit?: number }): LoadSuiteOptions {
  return {
    ...(options.format ? { format: options.format } : {}),
    ...(options.tasks ? { taskIds: options.tasks.split(',').map((id) => id.trim()).filter(Boolean) } : {}),
    ...(options.limit ? { limit: options.limit } : {}),
  };
}

function dockerRecycleOption(): Option {
  return new Option('--docker-recycle <policy>', 'Docker: replace a container after any failing job, or only after limits and crashes')
    .choices(['on-failure', 'on-limit'])
    .default('on-failure');
}

/** Everything `run`, `validate` and `exec` create is disposed here, also on Ctrl-C. */
const cleanups: Array<() => Promise<void>> = [];
async function cleanupAll(): Promise<void> {
  const pending = cleanups.splice(0);
  await Promise.allSettled(pending.map((cleanup) => cleanup()));
}

let rootLogger: Logger | undefined;
function logger(command: Command): Logger {
  rootLogger ??= createCliLogger(command.optsWithGlobals().logLevel as string);
  return rootLogger;
}

const abort = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nsandbench: ${signal}: stopping; finished samples are in the run's samples.jsonl (continue with --resume --out <run folder>)\n`);
    abort.abort();
    void cleanupAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  });
}

const program = new Command('sandbench')
  .description('Sandboxed code-execution evaluation engine')
  .version(SANDBENCH_VERSION)
  .addOption(new Option('--log-level <level>', 'log level (logs go to stderr as JSON lines)').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default(process.env.SANDBENCH_LOG_LEVEL ?? 'warn'))
  .showHelpAfterError('(run with --help for usage)')
  // Throw instead of exiting, so that bad options get the usage exit code like bad input.
  .exitOverride();

program
  .command('run')
  .description('ask a model for every task of a suite, score the answers in a sandbox, write a run journal')
  .argument('<suite>', 'folder of task files, a task file (YAML/JSON), or a dataset (.jsonl / .jsonl.gz)')
  .requiredOption('-m, --model <spec>', 'model: reference | empty | scripted:<file.jsonl>')
  .option('-s, --sandbox <name>', 'force a backend: isolate | docker (default: per task / language)', sandboxOption)
  .option('-n, --samples <n>', 'samples per task', positiveInteger('--samples'), 1)
  .option('-c, --concurrency <n>', 'samples in flight at once', positiveInteger('--concurrency'), 2)
  .option('-o, --out <dir>', 'run folder (default runs/<run id>)')
  .option('--resume', 'continue the run in --out, skipping samples already in its journal')
  .option('--format <format>', 'dataset format, overriding detection: humaneval | humaneval-x | mbxp | tasks-jsonl')
  .option('--tasks <ids>', 'only these task ids (comma-separated)')
  .option('--limit <n>', 'only the first n tasks', positiveInteger('--limit'))
  .option('--temperature <t>', 'sampling temperature for provider models', Number)
  .addOption(dockerRecycleOption())
  .option('--json', 'print the summary as JSON on stdout')
  .action(async (suitePath: string, options, command: Command) => {
    if (options.resume && !options.out) throw new SandbenchError('invalid-input', '--resume needs --out <run folder>');
    const log = logger(command);
    const suite = await loadSuite(suitePath, suiteOptions(options));
    const model = await resolveModel(options.model);
    const sandboxes = new SandboxSet(options.sandbox, { logger: log, dockerRecycle: options.dockerRecycle, handleSignals: true });
    cleanups.push(() => sandboxes.dispose());
    const progress = createProgressReporter(`${suite.name} × ${model.id}`, true);
    try {
      const result = await runSuite({
        suite,
        model,
        sandboxes,
        samples: options.samples,
        concurrency: options.concurrency,
        ...(options.out ? { outDir: options.out } : {}),
        ...(options.resume ? { resume: true } : {}),
        ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
        logger: log,
        signal: abort.signal,
        onProgress: (update) => progress.update(update),
      });
      progress.stop();
      if (options.json) process.stdout.write(JSON.stringify(result.summary, null, 2) + '\n');
      else process.stdout.write(formatSummary(result.summary, result.folder));
    } finally {
      progress.stop();
      await cleanupAll();
    }
  });

program
  .command('validate')
  .description("check a suite before launch: references pass, empty answers fail, verdicts are stable")
  .argument('<suite>', 'folder of task files, a task file, or a dataset')
  .option('-s, --sandbox <name>', 'force a backend: isolate | docker', sandboxOption)
  .option('--format <format>', 'dataset format, overriding detection')
  .option('--repeats <n>', 'reference runs per task to detect flaky tests', positiveInteger('--repeats'), 3)
  .addOption(dockerRecycleOption())
  .option('-c, --concurrency <n>', 'tasks checked at once', positiveInteger('--concurrency'), 2)
  .option('--tasks <ids>', 'only these task ids (comma-separated)')
  .option('--json', 'print the findings as JSON on stdout')
  .action(async (suitePath: string, options, command: Command) => {
    const log = logger(command);
    const suite = await loadSuite(suitePath, suiteOptions(options));
    const sandboxes = new SandboxSet(options.sandbox, { logger: log, dockerRecycle: options.dockerRecycle, handleSignals: true });
    cleanups.push(() => sandboxes.dispose());
    try {
      const report = await validateSuite({
        suite,
        sandboxes,
        repeats: options.repeats,
        concurrency: options.concurrency,
        onTask: (_result, done, total) => {
          if (!options.json && process.stderr.isTTY) process.stderr.write(`\rvalidating ${done}/${total}`);
        },
      });
      if (!options.json && process.stderr.isTTY) process.stderr.write('\n');
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
      if (report.failing > 0) process.exitCode = EXIT_FAILURES;
    } finally {
      await cleanupAll();
    }
  });

program
  .command('exec')
  .description('run one program in a sandbox and print its execution result')
  .argument('<file>', 'program source file')
  .option('-l, --language <language>', 'language (default: from the file extension)', languageOption)
  .option('-s, --sandbox <name>', 'backend: isolate | docker (default: the language profile’s first)', sandboxOption)
  .option('--stdin <file>', 'file to feed on standard input')
  .option('--timeout-ms <n>', 'wall-clock limit in milliseconds', positiveInteger('--timeout-ms'))
  .option('--memory-mb <n>', 'memory limit in MiB', positiveInteger('--memory-mb'))
  .option('--ts-target <target>', 'TypeScript emit target: es5 | es2015 | es2020 | es2022 | esnext')
  .addOption(dockerRecycleOption())
  .option('--json', 'print the ExecutionResult as JSON')
  .action(async (file: string, options, command: Command) => {
    const log = logger(command);
    const language = options.language ?? EXTENSION_LANGUAGES[extname(file)];
    if (!language) {
      throw new SandbenchError('invalid-input', `${file}: cannot tell the language from '${extname(file) || 'no extension'}': pass --language`);
    }
    const source = await readFile(file, 'utf8').catch((error: unknown) => {
      throw new SandbenchError('invalid-input', `${file}: cannot read: ${errorMessage(error)}`);
    });
    const stdin = options.stdin
      ? await readFile(options.stdin, 'utf8').catch((error: unknown) => {
          throw new SandbenchError('invalid-input', `${options.stdin}: cannot read: ${errorMessage(error)}`);
        })
      : '';
    // Validate the pseudo-task through the task schema so the same rules apply as in a suite.
    const task = taskSchema.parse({
      id: file,
      prompt: 'exec',
      language,
      tests: [{ kind: 'io', stdin, stdout: '' }],
      ...(options.sandbox ? { sandbox: options.sandbox } : {}),
      ...(options.tsTarget ? { typescript: { target: options.tsTarget } } : {}),
    });
    runtimeProfile(task.language);
    const sandboxes = new SandboxSet(options.sandbox, { logger: log, dockerRecycle: options.dockerRecycle, handleSignals: true });
    cleanups.push(() => sandboxes.dispose());
    try {
      const sandbox = await sandboxes.forTask(task);
      const result = await sandbox.run({
        language: task.language,
        source,
        stdin,
        limits: {
          ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
          ...(options.memoryMb ? { memoryBytes: options.memoryMb * 1024 * 1024 } : {}),
        },
        ...(task.typescript ? { typescript: task.typescript } : {}),
        signal: abort.signal,
      });
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
      if (result.status !== 'ok') process.exitCode = EXIT_FAILURES;
    } finally {
      await cleanupAll();
    }
  });

program
  .command('schema')
  .description('write the JSON Schema of task files (for editor autocompletion)')
  .option('-o, --out <file>', 'write to a file instead of stdout')
  .action(async (options) => {
    const task = z.toJSONSchema(taskSchema, { io: 'input', unrepresentable: 'any' });
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      title: 'sandbench task file',
      description: 'One task, a list of tasks, or { suite, defaults, tasks }.',
      anyOf: [
        { $ref: '#/$defs/task' },
        { type: 'array', items: { $ref: '#/$defs/task' } },
        {
          type: 'object',
          properties: {
            suite: { type: 'string' },
            defaults: { type: 'object' },
            tasks: { type: 'array', items: { $ref: '#/$defs/task' } },
          },
          required: ['tasks'],
          additionalProperties: false,
        },
      ],
      $defs: { task },
    };
    const text = JSON.stringify(schema, null, 2) + '\n';
    if (options.out) await writeFile(options.out, text);
    else process.stdout.write(text);
  });

program
  .command('report')
  .description('print a leaderboard of finished runs')
  .argument('[folders...]', 'run folders (default: every folder under runs/)')
  .option('--json', 'print the summaries as JSON')
  .action(async (folders: string[], options) => {
    let targets = folders;
    if (targets.length === 0) {
      const entries = await readdir('runs', { withFileTypes: true }).catch(() => []);
      targets = entries.filter((entry) => entry.isDirectory()).map((entry) => join('runs', entry.name));
    }
    const summaries: RunSummary[] = [];
    for (const folder of targets) {
      const path = join(folder, 'summary.json');
      let raw: unknown;
      try {
        raw = JSON.parse(await readFile(path, 'utf8'));
      } catch (error) {
        // A folder named on the command line must be a finished run; in runs/ unfinished ones are skipped.
        if (folders.length > 0) throw new SandbenchError('invalid-input', `${folder}: not a finished run (${errorMessage(error)})`);
        process.stderr.write(`sandbench: skipping ${folder}: ${errorMessage(error)}\n`);
        continue;
      }
      const parsed = runSummarySchema.safeParse(raw);
      if (!parsed.success) {
        process.stderr.write(`sandbench: skipping ${path}: not a run summary\n`);
        continue;
      }
      summaries.push(parsed.data);
    }
    if (options.json) process.stdout.write(JSON.stringify(summaries, null, 2) + '\n');
    else process.stdout.write(summaries.length > 0 ? formatLeaderboard(summaries) : 'no finished runs\n');
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
    if (options.offline && options.online) throw new SandbenchError('invalid-input', 'choose one of --offline and --online');
    const { buildImages } = await import('../images/build-images.ts');
    const reports = await buildImages({
      ...(names.length > 0 ? { names } : {}),
      offline: !options.online,
      force: Boolean(options.force),
      logger: logger(command),
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
    if (!(report as { ok?: boolean }).ok) process.exitCode = EXIT_FAILURES;
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  await cleanupAll();
  if (error instanceof CommanderError) {
    // Commander has printed its message; --help and --version end with exit code 0.
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
  } else if (error instanceof SandbenchError) {
    process.stderr.write(`sandbench: error: ${error.message}\n`);
    process.exitCode = error.code.startsWith('sandbox') || error.code === 'image-missing' ? EXIT_ENGINE : EXIT_USAGE;
  } else if (error instanceof z.ZodError) {
    process.stderr.write(`sandbench: error: ${error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}\n`);
    process.exitCode = EXIT_USAGE;
  } else {
    process.stderr.write(`sandbench: internal error (please report): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 70;
  }
}
