import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDataset } from '../../../src/datasets/load-dataset.ts';
import { loadSuite } from '../../../src/datasets/load-suite.ts';
import { buildMessages } from '../../../src/harness/build-messages.ts';
import { renderTemplate } from '../../../src/harness/prompt-templates.ts';
import { taskSchema } from '../../../src/schemas/task.ts';
import { datasets } from '../../helpers/paths.ts';

const humanEval = (await loadDataset(datasets.humaneval)).tasks[0]!;

describe('buildMessages', () => {
  it('chat (the default) asks for one fenced block with the complete function and shows the prefix in a fence', () => {
    const messages = buildMessages(humanEval);
    expect(messages).toEqual(buildMessages(humanEval, { style: 'chat' }));
    expect(messages.map((message) => message.role)).toEqual(['system', 'user']);
    expect(messages[0]!.content).toContain('Python');
    expect(messages[0]!.content).toContain('```python');
    expect(messages[1]!.content).toBe(`Complete this Python function:\n\`\`\`python\n${humanEval.codePrefix}\n\`\`\``);
  });

  it('continuation sends the code prefix itself as the prompt', () => {
    const messages = buildMessages(humanEval, { style: 'continuation' });
    expect(messages[1]).toEqual({ role: 'user', content: humanEval.codePrefix });
  });

  it('a task without a prefix gets its prompt, with the starter code when it has one; a worded prompt holding the prefix is not repeated', () => {
    const plain = taskSchema.parse({ id: 'a', prompt: 'Print 1.', language: 'bash', tests: [{ kind: 'io', stdout: '1' }] });
    expect(buildMessages(plain)[1]!.content).toBe('Print 1.');
    const starter = taskSchema.parse({ ...plain, starterCode: 'echo' });
    expect(buildMessages(starter)[1]!.content).toBe('Print 1.\n\nStart from this code:\n```bash\necho\n```');
    const worded = taskSchema.parse({ id: 'b', prompt: 'Complete it.\n\nconst f = () => {\n', codePrefix: 'const f = () => {\n', language: 'javascript', tests: [{ kind: 'io', stdout: '1' }] });
    expect(buildMessages(worded)[1]!.content).toBe('Complete it.\n\nconst f = () => {\n');
  });

  it("templates: the options' win over the task's, which win over the style's, field by field; an empty system message is left out", () => {
    const task = taskSchema.parse({ ...humanEval, promptTemplate: { user: 'Solve {entry_point} in {language}:\n{code_prefix}' } });
    expect(buildMessages(task)[1]!.content).toBe(`Solve has_close_elements in Python:\n${humanEval.codePrefix}`);
    expect(buildMessages(task)[0]).toEqual(buildMessages(humanEval)[0]);
    const messages = buildMessages(task, { template: { system: '', user: '{prompt}' } });
    expect(messages).toEqual([{ role: 'user', content: humanEval.prompt }]);
  });

  it('placeholders are replaced once: unknown ones and braces in code stay, values are not expanded again', () => {
    expect(renderTemplate('{a} {b} {unknown} { x }', { a: '{b}', b: '2' })).toBe('{b} 2 {unknown} { x }');
  });

  it('a suite sets templates for every task in its defaults; a misspelt field is refused naming it', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'sandbench-prompts-'));
    const file = join(folder, 'suite.yaml');
    await writeFile(
      file,
      'defaults:\n  language: python\n  promptTemplate:\n    system: "Answer in {language} only."\n    user: "Task: {prompt}"\ntasks:\n  - id: one\n    prompt: Print 1.\n    tests: [{ kind: io, stdout: "1" }]\n',
    );
    const suite = await loadSuite(file);
    expect(buildMessages(suite.tasks[0]!)).toEqual([
      { role: 'system', content: 'Answer in Python only.' },
      { role: 'user', content: 'Task: Print 1.' },
    ]);
    await writeFile(file, 'id: one\nlanguage: python\nprompt: p\npromptTemplate: { sytem: x }\ntests: [{ kind: io, stdout: "1" }]\n');
    await expect(loadSuite(file)).rejects.toThrow(/promptTemplate/);
  });
});
