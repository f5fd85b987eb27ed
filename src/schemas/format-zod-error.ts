import type { z } from 'zod';

/** Render a zod issue path as `tasks[3].tests[0].stdout`. */
export function formatIssuePath(path: ReadonlyArray<PropertyKey>, prefix = ''): string {
  let out = prefix;
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** One line per issue: `field.path: message`. */
export function formatZodIssues(issues: ReadonlyArray<z.core.$ZodIssue>, prefix = ''): string {
  return issues
    .map((issue) => {
      const where = formatIssuePath(issue.path, prefix);
      return where ? `${where}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
