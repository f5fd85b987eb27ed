import { z } from 'zod';

/**
 * Resource limits for one execution. Names carry their unit. Every field is optional in the
 * input; `resolveLimits()` fills defaults and clamps to a maximum, in one place.
 */
export const executionLimitsSchema = z
  .object({
    /** Wall-clock limit in milliseconds; the program is killed past it (status `timeout`). */
    timeoutMs: z.number().int().positive(),
    /** CPU-time limit in milliseconds (RLIMIT_CPU in containers, isolate CPU time in isolates). */
    cpuTimeMs: z.number().int().positive(),
    /** Memory limit in bytes (status `memory-limit` when exceeded). */
    memoryBytes: z.number().int().positive(),
    /** Cap on captured bytes of stdout plus stderr; past it the program is killed (`output-limit`). */
    maxOutputBytes: z.number().int().positive(),
    /** Maximum number of processes / threads (containers only). */
    pids: z.number().int().positive(),
    /** Size of the writable work directory and /tmp in bytes (containers only). */
    diskBytes: z.number().int().positive(),
  })
  .strict();

export type ExecutionLimits = z.infer<typeof executionLimitsSchema>;

/** Partial limits as written in task files, profiles, CLI flags and HTTP bodies. */
export const executionLimitsInputSchema = executionLimitsSchema.partial();
export type ExecutionLimitsInput = z.infer<typeof executionLimitsInputSchema>;

const MiB = 1024 * 1024;

/** Defaults for running a program. */
export const DEFAULT_RUN_LIMITS: ExecutionLimits = {
  timeoutMs: 10_000,
  cpuTimeMs: 10_000,
  memoryBytes: 256 * MiB,
  maxOutputBytes: 1 * MiB,
  pids: 64,
  diskBytes: 64 * MiB,
};

/** Defaults for a compile step (compilers need more memory and time than the program). */
export const DEFAULT_COMPILE_LIMITS: ExecutionLimits = {
  timeoutMs: 30_000,
  cpuTimeMs: 30_000,
  memoryBytes: 512 * MiB,
  maxOutputBytes: 1 * MiB,
  pids: 64,
  diskBytes: 128 * MiB,
};

/** The most any task or request may ask for; a server may lower it. */
export const MAXIMUM_LIMITS: ExecutionLimits = {
  timeoutMs: 300_000,
  cpuTimeMs: 300_000,
  memoryBytes: 4096 * MiB,
  maxOutputBytes: 64 * MiB,
  pids: 1024,
  diskBytes: 2048 * MiB,
};

/**
 * Merge limit layers (later wins), fill gaps from `defaults`, clamp to `maximum`.
 * `cpuTimeMs` defaults to the resolved `timeoutMs` when no layer sets it.
 */
export function resolveLimits(
  layers: ReadonlyArray<ExecutionLimitsInput | undefined>,
  defaults: ExecutionLimits = DEFAULT_RUN_LIMITS,
  maximum: ExecutionLimits = MAXIMUM_LIMITS,
): ExecutionLimits {
  const merged: ExecutionLimitsInput = {};
  for (const layer of layers) {
    if (!layer) continue;
    for (const [key, value] of Object.entries(layer) as Array<[keyof ExecutionLimits, number | undefined]>) {
      if (value !== undefined) merged[key] = value;
    }
  }
  const timeoutMs = merged.timeoutMs ?? defaults.timeoutMs;
  const resolved: ExecutionLimits = {
    timeoutMs,
    cpuTimeMs: merged.cpuTimeMs ?? (merged.timeoutMs !== undefined ? timeoutMs : defaults.cpuTimeMs),
    memoryBytes: merged.memoryBytes ?? defaults.memoryBytes,
    maxOutputBytes: merged.maxOutputBytes ?? defaults.maxOutputBytes,
    pids: merged.pids ?? defaults.pids,
    diskBytes: merged.diskBytes ?? defaults.diskBytes,
  };
  for (const key of Object.keys(resolved) as Array<keyof ExecutionLimits>) {
    resolved[key] = Math.min(resolved[key], maximum[key]);
  }
  return resolved;
}
