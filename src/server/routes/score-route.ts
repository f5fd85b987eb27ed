import { errorBodySchema, scoreResponseSchema } from '../api-schemas.ts';
import { requestSignal, type ServerContext, type ZodFastify } from '../server-context.ts';

/** `POST /v1/score`: one or many completions of a task (inline or from a loaded suite), judged. */
export function registerScoreRoute(app: ZodFastify, context: ServerContext): void {
  app.post(
    '/v1/score',
    {
      schema: {
        summary: 'Score completions against a task: per-sample verdicts with reasons, and pass@k',
        body: context.schemas.score,
        response: { 200: scoreResponseSchema, '4xx': errorBodySchema, '5xx': errorBodySchema },
      },
    },
    async (request, reply) => {
      const prepared = context.service.prepareScore(request.body);
      const admission = context.admission.admit(prepared.units);
      try {
        return await prepared.run(admission, requestSignal(reply));
      } finally {
        admission.release();
      }
    },
  );
}
