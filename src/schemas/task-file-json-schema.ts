import { z } from 'zod';
import { taskObjectSchema } from './task.ts';

/** A JSON Schema document (draft 2020-12), as a plain object. */
export type JsonSchema = Record<string, unknown>;

let cached: JsonSchema | undefined;

/**
 * The JSON Schema of task files, for editors and validators. It accepts every file the loader
 * accepts: one task, a list of tasks, or `{ suite, defaults, tasks }` — where a task may leave
 * out fields its file's `defaults` supply (so, in that form, no task field is required, and the
 * loader checks the merged task). Checks that span fields (a regex comparator's pattern must
 * compile) are the loader's alone.
 */
export function taskFileJsonSchema(): JsonSchema {
  if (cached) return cached;
  const task = z.toJSONSchema(taskObjectSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  delete task.$schema;
  // What each kind needs beyond the fields every task has (the loader's own rules, as JSON Schema).
  task.allOf = [
    { if: { properties: { kind: { const: 'code' } } }, then: { required: ['language', 'tests'] } },
    { if: { properties: { kind: { const: 'agent' } }, required: ['kind'] }, then: { required: ['language', 'scorers'] } },
    { if: { properties: { kind: { const: 'answer' } }, required: ['kind'] }, then: { required: ['scorers'] } },
  ];
  // Inside `{ defaults, tasks }` every field may come from the defaults.
  const { required: _required, allOf: _kinds, ...partialTask } = task;
  cached = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'sandbench task file',
    description: 'One task, a list of tasks, or { suite, defaults, tasks } (defaults are merged into every task).',
    anyOf: [
      { $ref: '#/$defs/task' },
      { type: 'array', items: { $ref: '#/$defs/task' } },
      {
        type: 'object',
        properties: {
          suite: { type: 'string', description: 'Suite name.' },
          defaults: { $ref: '#/$defs/partialTask', description: 'Fields merged into every task of the file.' },
          tasks: { type: 'array', items: { $ref: '#/$defs/partialTask' } },
        },
        required: ['tasks'],
        additionalProperties: false,
      },
    ],
    $defs: { task, partialTask },
  };
  return cached;
}
