import { errorBodySchema, executeResponseSchema } from '../api-schemas.ts';
import { requestSignal, type ServerContext, type ZodFastify } from '../server-context.ts';

/** `POST /v1/execute`: run one program, answer its ExecutionResult. */
export function registerExecuteRoute(app: ZodFastify, context: ServerContext): void {
  app.post(
    '/v1/execute',
    {
      schema: {
        summary: 'Run one program in a sandbox',
        body: context.schemas.execute,
        response: { 200: executeResponseSchema, '4xx': errorBodySchema, '5xx': errorBodySchema },
      },
    },
    async (request, reply) => {
      const prepared = context.service.prepareExecute(request.body);
      const admission = context.admission.admit(prepared.units);
      try {
        return await prepared.run(admission, requestSignal(reply));
      } finally {
        admission.release();
      }
    },
  );
}
