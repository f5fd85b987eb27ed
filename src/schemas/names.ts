/**
 * The closed sets of names sandbench knows, as plain lists: the zod schemas are built from them,
 * and the command line uses them for its choices without loading zod (start-up time).
 */

/** Languages sandbench knows how to run. */
export const LANGUAGES = ['javascript', 'typescript', 'python', 'bash', 'c', 'cpp', 'java', 'go', 'rust'] as const;
/** Sandbox backends. */
export const SANDBOX_NAMES = ['isolate', 'docker', 'remote'] as const;
/** Comparators of I/O tests, by name. */
export const COMPARATOR_NAMES = ['exact', 'trim', 'whitespace', 'float', 'regex', 'contains', 'sandboxfusion'] as const;
/** TypeScript emit targets. */
export const TYPESCRIPT_TARGETS = ['es5', 'es2015', 'es2020', 'es2022', 'esnext'] as const;
/** Dataset formats the loader reads. */
export const DATASET_FORMATS = ['humaneval', 'humaneval-x', 'mbxp', 'tasks-jsonl', 'codecontests', 'apps'] as const;
