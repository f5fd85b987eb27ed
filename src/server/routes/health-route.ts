import { z } from 'zod';
import { SANDBENCH_VERSION } from '../../version.ts';
import type { ServerContext, ZodFastify } from '../server-context.ts';

const backendStateSchema = z.object({
  state: z.enum(['not-started', 'warming', 'ready', 'unavailable']),
  message: z.string().optional(),
});

const healthResponseSchema = z.object({
  /** `ready` (200); `warming` or `shutting-down` (503: not ready). */
  status: z.enum(['ready', 'warming', 'shutting-down']),
  version: z.string(),
  uptimeSeconds: z.number(),
  queue: z.object({ running: z.number().int(), waiting: z.number().int(), admitted: z.number().int(), capacity: z.number().int(), concurrency: z.number().int() }),
  /** Each backend warmed or used: its engine's state. */
  backends: z.record(z.string(), backendStateSchema),
  /** Live isolate workers and warm containers, by backend. */
  pools: z.record(z.string(), z.number().int()),
  suites: z.number().int(),
});

/** `GET /healthz`: engine and pool state; 503 while the pools warm and during shutdown. */
export function registerHealthRoute(app: ZodFastify, context: ServerContext): void {
  app.get('/healthz', { schema: { summary: 'Engine and pool state (503 while not ready)', response: { 200: healthResponseSchema, 503: healthResponseSchema } } }, async (_request, reply) => {
    const status = context.state();
    reply.code(status === 'ready' ? 200 : 503);
    return {
      status,
      version: SANDBENCH_VERSION,
      uptimeSeconds: Math.round((Date.now() - context.startedAt.getTime()) / 1000),
      queue: {
        running: context.admission.running,
        waiting: context.admission.waiting,
        admitted: context.admission.outstanding,
        capacity: context.config.queue.capacity,
        concurrency: context.config.queue.concurrency,
      },
      backends: context.service.backendStates(),
      pools: context.service.poolSizes(),
      suites: context.suites.size,
    };
  });
}
