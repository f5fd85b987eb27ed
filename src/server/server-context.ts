import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Suite } from '../datasets/load-suite.ts';
import type { AdmissionQueue } from './admission-queue.ts';
import type { RequestSchemas } from './api-schemas.ts';
import type { SandboxService } from './sandbox-service.ts';
import type { ServerConfig } from './server-config.ts';
import type { ServerMetrics } from './server-metrics.ts';

/** The fastify instance with zod schemas as its type provider. */
export type ZodFastify = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, ZodTypeProvider>;

/** What the routes share. */
export interface ServerContext {
  config: ServerConfig;
  schemas: RequestSchemas;
  service: SandboxService;
  admission: AdmissionQueue;
  metrics: ServerMetrics;
  suites: ReadonlyMap<string, Suite>;
  /** `warming` until the pools have started; `shutting-down` once close began. */
  state(): 'warming' | 'ready' | 'shutting-down';
  /** When the server started (for `/healthz`). */
  startedAt: Date;
}

/**
 * An AbortSignal for one request: aborted when the client goes away before the answer is
 * written, so the work it asked for stops instead of running for nobody.
 */
export function requestSignal(reply: { raw: import('node:http').ServerResponse }): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('the client closed the connection'));
  });
  return controller.signal;
}
