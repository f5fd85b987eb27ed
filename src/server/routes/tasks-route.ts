import { z } from 'zod';
import { languageSchema } from '../../schemas/task.ts';
import { errorBodySchema } from '../api-schemas.ts';
import { ApiError } from '../error-table.ts';
import type { ServerContext, ZodFastify } from '../server-context.ts';

const tasksResponseSchema = z.object({
  suites: z.array(
    z.object({
      name: z.string(),
      format: z.string(),
      tasks: z.array(
        z.object({
          id: z.string(),
          language: languageSchema,
          tests: z.number().int(),
          entryPoint: z.string().optional(),
          /** The prompt, unless the task is private. */
          prompt: z.string().optional(),
        }),
      ),
    }),
  ),
});

/** `GET /v1/tasks[?suite=name]`: the suites loaded at start and their tasks (private tasks without their prompt). */
export function registerTasksRoute(app: ZodFastify, context: ServerContext): void {
  app.get(
    '/v1/tasks',
    {
      schema: {
        summary: 'Suites loaded at start and their tasks',
        querystring: z.object({ suite: z.string().optional() }).strict(),
        response: { 200: tasksResponseSchema, '4xx': errorBodySchema },
      },
    },
    async (request) => {
      const wanted = request.query.suite;
      if (wanted !== undefined && !context.suites.has(wanted)) throw new ApiError('not-found', `no suite '${wanted}' on this server`, { field: 'suite' });
      const suites = [...context.suites.values()].filter((suite) => wanted === undefined || suite.name === wanted);
      return {
        suites: suites.map((suite) => ({
          name: suite.name,
          format: suite.format,
          tasks: suite.tasks.map((task) => ({
            id: task.id,
            language: task.language,
            tests: task.tests.length,
            ...(task.entryPoint ? { entryPoint: task.entryPoint } : {}),
            ...(task.split === 'private' ? {} : { prompt: task.prompt }),
          })),
        })),
      };
    },
  );
}
