import type { ModelMessage } from '../models/model.ts';
import type { Task } from '../schemas/task.ts';
import { DEFAULT_PROMPT_STYLE, defaultTemplate, renderTemplate, templateValues, type PromptStyle, type PromptTemplate } from './prompt-templates.ts';

/** How `buildMessages` puts a task. */
export interface BuildMessagesOptions {
  /** `chat` (default) or `continuation`; see `PromptStyle`. */
  style?: PromptStyle;
  /** Templates that win over the task's `promptTemplate` and the style's defaults, field by field. */
  template?: PromptTemplate;
}

/**
 * The messages a provider model receives for a code task: a system and a user message, each
 * from the first template that sets it among `options.template`, the task's `promptTemplate`
 * (a suite sets it in `defaults`) and the style's default, with the task's values in its
 * placeholders. An empty rendered system message is left out.
 */
export function buildMessages(task: Task, options: BuildMessagesOptions = {}): ModelMessage[] {
  const style = options.style ?? DEFAULT_PROMPT_STYLE;
  const defaults = defaultTemplate(style, task);
  const values = templateValues(task);
  const system = renderTemplate(options.template?.system ?? task.promptTemplate?.system ?? defaults.system, values);
  const user = renderTemplate(options.template?.user ?? task.promptTemplate?.user ?? defaults.user, values);
  return [...(system.trim() === '' ? [] : [{ role: 'system' as const, content: system }]), { role: 'user', content: user }];
}
