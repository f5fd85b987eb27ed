import type { ModelMessage } from '../models/model.ts';
import type { Task } from '../schemas/task.ts';

const LANGUAGE_NAMES: Record<Task['language'], string> = {
  javascript: 'JavaScript',
  typescript: 'TypeScript',
  python: 'Python',
  bash: 'Bash',
  c: 'C',
  cpp: 'C++',
};

/** The messages a provider model receives for a code task. */
export function buildMessages(task: Task): ModelMessage[] {
  const language = LANGUAGE_NAMES[task.language];
  const continues = task.codePrefix !== '';
  const system = continues
    ? `You complete ${language} code. Reply with only the code that continues the given prefix, in one fenced code block.`
    : `You write ${language} programs. Reply with the complete solution in one fenced code block.`;
  let user = task.prompt;
  if (task.starterCode) user += `\n\nStart from this code:\n\`\`\`${task.language}\n${task.starterCode}\n\`\`\``;
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}
