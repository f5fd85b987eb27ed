import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { z } from 'zod';
import { errorMessage, SandbenchError } from '../errors/sandbench-error.ts';
import { formatZodIssues } from '../schemas/format-zod-error.ts';
import { executionLimitsInputSchema, MAXIMUM_LIMITS, type ExecutionLimits } from '../schemas/limits.ts';
import { languageSchema } from '../schemas/task.ts';

const MiB = 1024 * 1024;

/**
 * The service's settings, as written in a config file (`--config`, YAML or JSON) or passed to
 * `createServer`. Every field has a default that is safe on a developer machine.
 */
export const serverConfigSchema = z
  .object({
    /** Address to bind; loopback by default. A non-loopback address needs tokens. */
    host: z.string().min(1).default('127.0.0.1'),
    /** Port to bind (0: any free port). */
    port: z.number().int().min(0).max(65535).default(8787),
    /** Bearer tokens accepted; empty means auth is off (refused off loopback). `SANDBENCH_TOKENS` adds to them. */
    tokens: z.array(z.string().min(16, 'a token has at least 16 characters')).default([]),
    limits: z
      .object({
        /** The most a request may ask for, per field; lowers the library's `MAXIMUM_LIMITS`. */
        maximum: executionLimitsInputSchema.default({}),
        /** What happens to a requested limit above the maximum: `clamp` it (and say so) or `refuse` the request. */
        policy: z.enum(['clamp', 'refuse']).default('clamp'),
      })
      .strict()
      .default({ maximum: {}, policy: 'clamp' }),
    /** Largest request body in bytes (413 above it). */
    bodyLimitBytes: z.number().int().positive().default(16 * MiB),
    /** Longest program, completion or file content in characters (400 with the field above it). */
    maxCodeChars: z.number().int().positive().default(1 * MiB),
    /** Most items in one `/v1/batch` (400 above it). */
    maxBatchItems: z.number().int().positive().default(1000),
    /** Most completions in one scoring (400 above it). */
    maxCompletions: z.number().int().positive().default(1000),
    queue: z
      .object({
        /** Executions or scorings running at once; the rest wait, their clocks not started. */
        concurrency: z.number().int().positive().default(8),
        /** Most units of work admitted (running plus waiting); a request that does not fit gets 429. */
        capacity: z.number().int().positive().default(2048),
      })
      .strict()
      .default({ concurrency: 8, capacity: 2048 }),
    /** Per-token request rate (token bucket); `false` turns it off. */
    rateLimit: z
      .union([
        z.literal(false),
        z
          .object({
            /** Requests per second refilled. */
            requestsPerSecond: z.number().positive(),
            /** Requests that may arrive at once. */
            burst: z.number().int().positive(),
          })
          .strict(),
      ])
      .default({ requestsPerSecond: 1000, burst: 2000 }),
    /** On SIGTERM, how long in-flight work may take before it is cancelled. */
    shutdownGraceMs: z.number().int().nonnegative().default(30_000),
    /** Suites loaded at start, served to `{suite, taskId}` scorings and listed by `/v1/tasks`. */
    suites: z.array(z.string().min(1)).default([]),
    sandbox: z
      .object({
        /** Isolate worker processes. */
        isolateWorkers: z.number().int().positive().optional(),
        /** Warm containers per Docker pool. */
        dockerPoolSize: z.number().int().positive().optional(),
        /** When a Docker job replaces its container (see the CLI's `--docker-recycle`). */
        dockerRecycle: z.enum(['on-failure', 'on-limit']).optional(),
        /**
         * Period of the lease that proves this server alive to other processes sharing its engine
         * (replicas); a killed replica's containers are removed about 1.5 periods after it died.
         */
        dockerLeaseMs: z.number().int().min(1000).default(60_000),
        /** How often the server sweeps containers of dead owners (replicas killed after it started). */
        dockerSweepEveryMs: z.number().int().min(1000).default(60_000),
        /** Labels added to every sandbox container this server makes (tell replicas apart in `docker ps`). */
        dockerLabels: z.record(z.string(), z.string()).optional(),
      })
      .strict()
      .default({ dockerLeaseMs: 60_000, dockerSweepEveryMs: 60_000 }),
    /** Languages whose pools start before `/healthz` says ready. */
    warmLanguages: z.array(languageSchema).default(['javascript']),
  })
  .strict()
  .superRefine((config, context) => {
    for (const key of Object.keys(config.sandbox.dockerLabels ?? {})) {
      if (key.trim() === '' || key === 'sandbench' || key.startsWith('sandbench.')) {
        context.addIssue({ code: 'custom', path: ['sandbox', 'dockerLabels', key], message: `label '${key}' is reserved for sandbench's own labels (use another prefix)` });
      }
    }
    if (config.maxBatchItems > config.queue.capacity) {
      context.addIssue({ code: 'custom', path: ['maxBatchItems'], message: `cannot exceed queue.capacity (${config.queue.capacity}): such a batch could never be admitted` });
    }
    if (config.maxCompletions > config.queue.capacity) {
      context.addIssue({ code: 'custom', path: ['maxCompletions'], message: `cannot exceed queue.capacity (${config.queue.capacity}): such a scoring could never be admitted` });
    }
  });

export type ServerConfig = z.infer<typeof serverConfigSchema>;
export type ServerConfigInput = z.input<typeof serverConfigSchema>;

/** Parse settings, with a `config` error naming the field. */
export function parseServerConfig(input: unknown, source = 'server config'): ServerConfig {
  const parsed = serverConfigSchema.safeParse(input ?? {});
  if (!parsed.success) throw new SandbenchError('config', `${source}: ${formatZodIssues(parsed.error.issues)}`, { details: { source } });
  return parsed.data;
}

/** Read a config file (`.yaml`, `.yml` or `.json`). */
export async function loadServerConfigFile(path: string): Promise<ServerConfigInput> {
  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw new SandbenchError('config', `${path}: cannot read: ${errorMessage(error)}`, { details: { path } });
  });
  try {
    if (extname(path) === '.json') return JSON.parse(text) as ServerConfigInput;
    const { parse } = await import('yaml');
    return (parse(text) ?? {}) as ServerConfigInput;
  } catch (error) {
    throw new SandbenchError('config', `${path}: not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${errorMessage(error)}`, { details: { path } });
  }
}

/** Tokens from `SANDBENCH_TOKENS` (comma-separated, blanks dropped). */
export function tokensFromEnvironment(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token !== '');
}

/** The server's maximum limits: the configured ones, never above the library's. */
export function serverMaximumLimits(config: ServerConfig): ExecutionLimits {
  const maximum = { ...MAXIMUM_LIMITS };
  for (const [field, value] of Object.entries(config.limits.maximum) as Array<[keyof ExecutionLimits, number | undefined]>) {
    if (value !== undefined) maximum[field] = Math.min(value, MAXIMUM_LIMITS[field]);
  }
  return maximum;
}

/** Whether `host` names only this machine (so a server without auth may bind it). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  return bare === 'localhost' || bare === '::1' || /^127(\.\d{1,3}){3}$/.test(bare) || bare === '::ffff:127.0.0.1';
}
