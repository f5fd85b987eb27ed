import type { ServerContext, ZodFastify } from '../server-context.ts';

/** `GET /metrics`: Prometheus text format. */
export function registerMetricsRoute(app: ZodFastify, context: ServerContext): void {
  app.get('/metrics', { schema: { summary: 'Prometheus metrics (text format)' } }, async (_request, reply) => {
    const text = await context.metrics.registry.metrics();
    return reply.header('content-type', context.metrics.registry.contentType).send(text);
  });
}
