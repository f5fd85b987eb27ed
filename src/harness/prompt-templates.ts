import type { Language, PromptTemplate, Task } from '../schemas/task.ts';

export type { PromptTemplate };

/**
 * How a task is put to a model:
 * - `chat`: the task in words (and its code prefix in a fence); the model is asked for one
 *   fenced block holding the complete function or program, which `completionFromResponse`
 *   fits to the prefix;
 * - `continuation`: HumanEval-like, the prompt is the code prefix itself and the answer
 *   continues it; a raw answer is used as is.
 */
export type PromptStyle = 'chat' | 'continuation';

/** The style for provider models unless the harness says otherwise. */
export const DEFAULT_PROMPT_STYLE: PromptStyle = 'chat';

/** Human names of the languages, for prompts. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = {
  javascript: 'JavaScript',
  typescript: 'TypeScript',
  python: 'Python',
  bash: 'Bash',
  c: 'C',
  cpp: 'C++',
  java: 'Java',
  go: 'Go',
  rust: 'Rust',
};

/** The fence tag a model is asked to use for each language. */
const FENCE_TAGS: Readonly<Record<Language, string>> = {
  javascript: 'javascript',
  typescript: 'typescript',
  python: 'python',
  bash: 'bash',
  c: 'c',
  cpp: 'cpp',
  java: 'java',
  go: 'go',
  rust: 'rust',
};

/** The placeholders a template may use; any other `{word}` is left as written (code has braces). */
export const TEMPLATE_PLACEHOLDERS = ['prompt', 'language', 'language_tag', 'code_prefix', 'entry_point', 'starter_code'] as const;

/** The values of the placeholders for one task. */
export function templateValues(task: Task): Record<(typeof TEMPLATE_PLACEHOLDERS)[number], string> {
  return {
    prompt: task.prompt,
    language: LANGUAGE_NAMES[task.language],
    language_tag: FENCE_TAGS[task.language],
    code_prefix: task.codePrefix,
    entry_point: task.entryPoint ?? '',
    starter_code: task.starterCode ?? '',
  };
}

/** `template` with each known `{placeholder}` replaced, in one pass (a value holding `{prompt}` stays as is). */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{([a-z_]+)\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? (values[name] as string) : whole));
}

/** The default templates of a style, for a task with or without a code prefix. */
export function defaultTemplate(style: PromptStyle, task: Task): Required<PromptTemplate> {
  const hasPrefix = task.codePrefix.trim() !== '';
  if (style === 'continuation') {
    return {
      system: 'You continue {language} code. Reply with only the code that comes next, without repeating what is given and without explanations.',
      // HumanEval-like: the prompt is the code itself (or the task's text when it has no code).
      user: hasPrefix ? '{code_prefix}' : '{prompt}',
    };
  }
  if (!hasPrefix) {
    return {
      system: 'You write {language} programs. Reply with the complete solution in one fenced ```{language_tag} code block.',
      user: task.starterCode ? '{prompt}\n\nStart from this code:\n```{language_tag}\n{starter_code}\n```' : '{prompt}',
    };
  }
  const system =
    'You are an expert {language} programmer. Reply with one fenced ```{language_tag} code block holding the complete function, signature included, with any imports and helpers it needs, and no example usage.';
  // Dataset prompts are the code itself; task files may put the code inside a worded prompt.
  if (task.prompt.trim() === task.codePrefix.trim()) {
    return { system, user: 'Complete this {language} function:\n```{language_tag}\n{code_prefix}\n```' };
  }
  if (task.prompt.includes(task.codePrefix.trim())) return { system, user: '{prompt}' };
  return { system, user: '{prompt}\n\nComplete this code:\n```{language_tag}\n{code_prefix}\n```' };
}
