import { z } from 'zod';
import { loadRuntimeProfiles } from '../../runtimes/runtime-profiles.ts';
import { executionLimitsSchema } from '../../schemas/limits.ts';
import { DEFAULT_RUN_LIMITS } from '../../schemas/limits.ts';
import { languageSchema, sandboxNameSchema } from '../../schemas/task.ts';
import { errorBodySchema } from '../api-schemas.ts';
import type { ServerContext, ZodFastify } from '../server-context.ts';

const runtimesResponseSchema = z.object({
  runtimes: z.array(
    z.object({
      language: languageSchema,
      /** Backends that run it, the default first. */
      backends: z.array(sandboxNameSchema),
      /** Container image, for the Docker backend. */
      image: z.string(),
      /** Whether the language has a compile step. */
      compiled: z.boolean(),
      /** Run limits when a request gives none (held to the server's maximum). */
      defaultLimits: executionLimitsSchema,
    }),
  ),
  /** The most a request may ask for. */
  maximumLimits: executionLimitsSchema,
  /** What happens to a requested limit above the maximum. */
  limitsPolicy: z.enum(['clamp', 'refuse']),
});

/** `GET /v1/runtimes`: the languages, their backends and limits. */
export function registerRuntimesRoute(app: ZodFastify, context: ServerContext, maximumLimits: z.infer<typeof executionLimitsSchema>): void {
  app.get(
    '/v1/runtimes',
    { schema: { summary: 'Languages, backends and limits', response: { 200: runtimesResponseSchema, '4xx': errorBodySchema } } },
    async () => ({
      runtimes: [...loadRuntimeProfiles().values()].map((profile) => {
        const defaults = { ...DEFAULT_RUN_LIMITS, ...profile.limits };
        for (const field of Object.keys(defaults) as Array<keyof typeof defaults>) defaults[field] = Math.min(defaults[field], maximumLimits[field]);
        return { language: profile.language, backends: profile.backends, image: profile.image, compiled: profile.compile !== undefined, defaultLimits: defaults };
      }),
      maximumLimits,
      limitsPolicy: context.config.limits.policy,
    }),
  );
}
