import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { scorerKind, scoringPolicySchema, taskScorerSchema, taskScorersSchema } from '../../../src/agents/scorers/scorer-schema.ts';
import { formatZodIssues } from '../../../src/schemas/format-zod-error.ts';

/** The example of the task-file format, as a user writes it. */
const EXAMPLE = `
scorers:
  - answer: { equals: "42" }
  - file: { path: out/report.txt, exists: true }
    weight: 2
  - file: { path: out/report.txt, regex: "total: \\\\d+", flags: i }
  - command: { run: "python3 -m pytest -q tests", timeoutMs: 20000 }
    name: tests
  - trajectory:
      ordered: true
      exact: false
      calls:
        - tool: convert
          arguments: { value: 5, from: km, to: mi }
        - tool: bash
          arguments: { command: { pattern: "sha256sum" } }
  - judge: { rubric: ["names the capital", "gives the population within 10%"], threshold: 1.0 }
  - custom: { code: "export default ({ answer, episode, files }) => ({ pass: true, score: 1, reason: 'ok' })", files: [out.txt] }
scoring: { mode: weighted, threshold: 0.7 }
`;

function issuesOf(input: unknown): string {
  const parsed = taskScorerSchema.safeParse(input);
  expect(parsed.success).toBe(false);
  return formatZodIssues(parsed.error!.issues, 'scorers[0]');
}

describe('scorer schema', () => {
  it('reads every kind of the task-file format, with weights, names and the policy', () => {
    const file = parseYaml(EXAMPLE) as { scorers: unknown; scoring: unknown };
    const scorers = taskScorersSchema.parse(file.scorers);
    expect(scorers.map(scorerKind)).toEqual(['answer', 'file', 'file', 'command', 'trajectory', 'judge', 'custom']);
    expect(scorers[1]).toMatchObject({ weight: 2, file: { path: 'out/report.txt', exists: true } });
    expect(scorers[3]).toMatchObject({ name: 'tests', command: { run: 'python3 -m pytest -q tests', timeoutMs: 20000 } });
    expect(scorers[4]!.trajectory).toMatchObject({ ordered: true, exact: false });
    expect(scorers[6]!.custom!.files).toEqual(['out.txt']);
    expect(scoringPolicySchema.parse(file.scoring)).toEqual({ mode: 'weighted', threshold: 0.7 });
    expect(scoringPolicySchema.parse({ mode: 'all' })).toEqual({ mode: 'all' });
  });

  it('one kind per entry, with messages that say so', () => {
    expect(issuesOf({})).toBe('scorers[0]: a scorer needs one of answer, file, command, trajectory, judge, custom');
    expect(issuesOf({ file: { path: 'a', exists: true }, command: { run: 'true' } })).toBe(
      'scorers[0]: one scorer per entry: found file and command (list them as separate entries)',
    );
    expect(issuesOf({ bogus: 1 })).toMatch(/Unrecognized key: "bogus"/);
  });

  it('mistakes inside an entry are reported at their field', () => {
    expect(issuesOf({ file: { path: 'a' } })).toBe('scorers[0].file: a file check needs one of exists, equals, contains, regex');
    expect(issuesOf({ file: { path: 'a', equals: 'x', contains: 'y' } })).toBe('scorers[0].file: a file check takes one of exists, equals, contains, regex (found equals and contains)');
    expect(issuesOf({ file: { path: '../etc/passwd', exists: true } })).toMatch(/^scorers\[0\]\.file\.path: a path relative to the work directory/);
    expect(issuesOf({ file: { path: '/etc/passwd', exists: true } })).toMatch(/^scorers\[0\]\.file\.path: /);
    expect(issuesOf({ file: { path: 'a', regex: '(' } })).toMatch(/^scorers\[0\]\.file\.regex: the pattern does not compile/);
    expect(issuesOf({ file: { path: 'a', contains: 'x', flags: 'i' } })).toBe('scorers[0].file.flags: flags go with regex');
    expect(issuesOf({ command: { run: '' } })).toMatch(/^scorers\[0\]\.command\.run: /);
    expect(issuesOf({ command: { run: 'true\0' } })).toBe('scorers[0].command.run: a command cannot hold a NUL character');
    expect(issuesOf({ judge: { rubric: [] } })).toMatch(/^scorers\[0\]\.judge\.rubric: /);
    expect(issuesOf({ judge: { rubric: ['x'], threshold: 2 } })).toMatch(/^scorers\[0\]\.judge\.threshold: /);
    expect(issuesOf({ answer: { equals: 'x', extra: 1 } })).toMatch(/^scorers\[0\]\.answer/);
    expect(issuesOf({ answer: { equals: 'x' }, weight: -1 })).toMatch(/^scorers\[0\]\.weight: /);
  });

  it('custom code needs exactly one default export at the start of a line', () => {
    expect(issuesOf({ custom: { code: 'module.exports = () => ({ pass: true })' } })).toBe('scorers[0].custom.code: the code needs exactly one `export default` at the start of a line');
    expect(issuesOf({ custom: { code: 'export default 1;\nexport default 2;' } })).toMatch(/exactly one/);
    expect(taskScorerSchema.safeParse({ custom: { code: 'import assert from "assert";\nexport default async function score() { return { pass: true }; }' } }).success).toBe(true);
  });

  it('a list needs one scorer that counts; the policy names its modes', () => {
    expect(taskScorersSchema.safeParse([]).error?.issues[0]?.message).toBe('a task needs at least one scorer');
    expect(taskScorersSchema.safeParse([{ answer: { equals: 'x' }, weight: 0 }]).error?.issues[0]?.message).toBe('at least one scorer must have a weight above 0');
    expect(scoringPolicySchema.safeParse({ mode: 'weighted' }).success).toBe(false);
    expect(scoringPolicySchema.safeParse({ mode: 'majority' }).error?.issues[0]?.message).toMatch(/mode: all.*mode: weighted/);
  });

  it('converts to JSON Schema for editor completion (the task-file schema command)', () => {
    const schema = z.toJSONSchema(taskScorersSchema, { io: 'input', unrepresentable: 'any' }) as { items: { properties: Record<string, unknown> } };
    expect(Object.keys(schema.items.properties).sort()).toEqual(['answer', 'command', 'custom', 'file', 'judge', 'name', 'trajectory', 'weight']);
    expect(z.toJSONSchema(scoringPolicySchema, { io: 'input', unrepresentable: 'any' })).toMatchObject({ oneOf: expect.any(Array) });
  });
});
