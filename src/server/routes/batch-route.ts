import { PassThrough } from 'node:stream';
import { batchResponseSchema, errorBodySchema } from '../api-schemas.ts';
import { describeError } from '../error-table.ts';
import { requestSignal, type ServerContext, type ZodFastify } from '../server-context.ts';

const NDJSON = 'application/x-ndjson';

/**
 * `POST /v1/batch`: many executions or scorings in one request, admitted together. The answer
 * lists the results in request order; with `stream: true` (or `Accept: application/x-ndjson`)
 * it is NDJSON, one line per item as it finishes, each with its `index`.
 */
export function registerBatchRoute(app: ZodFastify, context: ServerContext): void {
  app.post(
    '/v1/batch',
    {
      schema: {
        summary: 'Run many executions or scorings; results in request order, or NDJSON lines as each finishes',
        body: context.schemas.batch,
        response: { 200: batchResponseSchema, '4xx': errorBodySchema, '5xx': errorBodySchema },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const prepared = context.service.prepareBatch(body);
      const admission = context.admission.admit(prepared.units);
      const signal = requestSignal(reply);
      const streaming = body.stream || (request.headers.accept ?? '').includes(NDJSON);
      if (!streaming) {
        try {
          return { results: await context.service.runBatch(body, prepared, admission, signal, () => {}) };
        } finally {
          admission.release();
        }
      }
      const stream = new PassThrough();
      void context.service
        .runBatch(body, prepared, admission, signal, (result) => stream.write(JSON.stringify(result) + '\n'))
        .catch((error: unknown) => {
          // The status line is gone: a failure of the whole batch (shutdown) is the last line.
          const described = describeError(error);
          stream.write(JSON.stringify({ error: { code: described.code, message: described.message } }) + '\n');
        })
        .finally(() => {
          admission.release();
          stream.end();
        });
      // Node sends a response's status line and headers with its first bytes, which here wait for
      // the first item to finish: send them as soon as fastify pipes the stream, so the client
      // knows at once that its batch was admitted (and can read, or hang up, from then on).
      reply.raw.once('pipe', () => reply.raw.flushHeaders());
      // A stream is sent as it is (no schema serializer applies to it).
      return reply.header('content-type', NDJSON).send(stream as never);
    },
  );
}
