import { InvalidArgumentError, Option } from 'commander';
import type { LoadSuiteOptions } from '../datasets/load-suite.ts';
import { DATASET_FORMATS, LANGUAGES, SANDBOX_NAMES, TYPESCRIPT_TARGETS } from '../schemas/names.ts';

/** A parser for a whole number ≥ `minimum`, whose error names the flag. */
export function wholeNumber(flag: string, minimum = 1) {
  return (value: string): number => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isInteger(parsed) || parsed < minimum) {
      throw new InvalidArgumentError(`${flag} must be a whole number ≥ ${minimum} (got '${value}')`);
    }
    return parsed;
  };
}

/** A parser for a finite number in [minimum, maximum], whose error names the flag. */
export function finiteNumber(flag: string, minimum: number, maximum: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (value.trim() === '' || !Number.isFinite(parsed) || parsed < minimum || parsed > maximum) {
      throw new InvalidArgumentError(`${flag} must be a number from ${minimum} to ${maximum} (got '${value}')`);
    }
    return parsed;
  };
}

/** An option whose value must be one of `values`; commander lists them in its error. */
export function choiceOption(flags: string, description: string, values: readonly string[]): Option {
  return new Option(flags, `${description} (${values.join(' | ')})`).choices(values);
}

export const sandboxOption = (): Option => choiceOption('-s, --sandbox <name>', 'force a backend (default: per task / language)', SANDBOX_NAMES);
export const remoteOption = (): Option =>
  new Option('--remote <urls>', 'with --sandbox remote: sandbench services to send executions to (comma-separated URLs; token in SANDBENCH_REMOTE_TOKEN)');
export const formatOption = (): Option => choiceOption('--format <format>', 'dataset format, overriding detection', DATASET_FORMATS);
export const languageOption = (): Option => choiceOption('-l, --language <language>', 'language (default: from the file extension)', LANGUAGES);
export const tsTargetOption = (): Option =>
  choiceOption('--ts-target <target>', 'TypeScript emit target', TYPESCRIPT_TARGETS);

export function dockerRecycleOption(): Option {
  return choiceOption(
    '--docker-recycle <policy>',
    'Docker: when a job replaces its container, besides residue, tampering and every 500 jobs: on-limit, after a time, memory or output limit; on-failure, also after any failing job',
    ['on-limit', 'on-failure'],
  ).default('on-limit');
}

/** `--format`, `--tasks a,b` and `--limit n` as loadSuite options. */
export function suiteOptions(options: { format?: string; tasks?: string; limit?: number }): LoadSuiteOptions {
  return {
    ...(options.format ? { format: options.format } : {}),
    ...(options.tasks ? { taskIds: options.tasks.split(',').map((id) => id.trim()).filter(Boolean) } : {}),
    ...(options.limit ? { limit: options.limit } : {}),
  };
}

/** Quote a word for a POSIX shell when it needs it (for commands the CLI prints). */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
