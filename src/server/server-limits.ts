import { DEFAULT_COMPILE_LIMITS, DEFAULT_RUN_LIMITS, resolveLimits, type ExecutionLimits, type ExecutionLimitsInput } from '../schemas/limits.ts';
import { ApiError } from './error-table.ts';

/** A requested limit the server lowered to its maximum. */
export interface LimitAdjustment {
  /** The request field (`limits.timeoutMs`, `task.limits.run.memoryBytes`). */
  field: string;
  /** What was asked. */
  requested: number;
  /** What runs (the server's maximum). */
  applied: number;
}

/** Limits ready for the sandbox, and what was clamped on the way. */
export interface ServerLimits {
  limits: ExecutionLimitsInput;
  adjustments: LimitAdjustment[];
}

const UNBOUNDED: ExecutionLimits = {
  timeoutMs: Number.POSITIVE_INFINITY,
  cpuTimeMs: Number.POSITIVE_INFINITY,
  memoryBytes: Number.POSITIVE_INFINITY,
  maxOutputBytes: Number.POSITIVE_INFINITY,
  pids: Number.POSITIVE_INFINITY,
  diskBytes: Number.POSITIVE_INFINITY,
};

export interface ApplyLimitsOptions {
  /** The server's maximum per field. */
  maximum: ExecutionLimits;
  /** `clamp` a requested limit above the maximum (and report it) or `refuse` the request. */
  policy: 'clamp' | 'refuse';
  /** The request field the limits came from (`limits`, `task.limits.run`), for messages. */
  field: string;
  /** The language profile's own defaults, which apply under the request's. */
  profileLimits?: ExecutionLimitsInput | undefined;
  /** `compile` for a compile step's limits (other defaults). */
  step?: 'run' | 'compile';
}

/**
 * Hold requested limits to the server's maximum. A requested field above it is clamped and
 * reported, or refused with `limit-exceeded` naming the field; a default above it (a server
 * whose maximum is below the library's defaults) is lowered without a report, since nobody
 * asked for it.
 */
export function applyServerLimits(requested: ExecutionLimitsInput | undefined, options: ApplyLimitsOptions): ServerLimits {
  const defaults = options.step === 'compile' ? DEFAULT_COMPILE_LIMITS : DEFAULT_RUN_LIMITS;
  const asked = requested ?? {};
  const effective = resolveLimits([options.profileLimits, asked], defaults, UNBOUNDED);
  const limits: ExecutionLimitsInput = { ...asked };
  const adjustments: LimitAdjustment[] = [];
  for (const field of Object.keys(effective) as Array<keyof ExecutionLimits>) {
    const maximum = options.maximum[field];
    if (effective[field] <= maximum) continue;
    const requestedValue = asked[field];
    if (requestedValue !== undefined && requestedValue > maximum) {
      const path = `${options.field}.${field}`;
      if (options.policy === 'refuse') {
        throw new ApiError('limit-exceeded', `${path} is ${requestedValue}, above this server's maximum of ${maximum}`, { field: path });
      }
      adjustments.push({ field: path, requested: requestedValue, applied: maximum });
    }
    limits[field] = maximum;
  }
  return { limits, adjustments };
}
