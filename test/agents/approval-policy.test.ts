import { describe, expect, it } from 'vitest';
import { approvalPolicySchema } from '../../src/agents/agent-task-schema.ts';
import { decideApproval } from '../../src/agents/approval-policy.ts';
import { parseModelConfig } from '../../src/models/model-config.ts';

const policy = (input: unknown) => approvalPolicySchema.parse(input);

describe('approval policies', () => {
  const task = policy({
    rules: [
      { action: 'deny', tool: 'bash', arguments: { command: '\\brm\\b' }, reason: 'no deleting' },
      { action: 'allow', tool: ['bash', 'python'] },
    ],
  });

  it('the first matching rule decides; argument patterns match anywhere in the value', () => {
    expect(decideApproval([task], 'bash', { command: 'ls; rm -rf /' })).toEqual({ allowed: false, reason: 'no deleting' });
    expect(decideApproval([task], 'bash', { command: 'ls -la' })).toEqual({ allowed: true });
    expect(decideApproval([task], 'bash', { command: 'perform' })).toEqual({ allowed: true });
  });

  it('a rule about an argument the call lacks does not match; non-string values match as JSON', () => {
    const numbers = policy({ default: 'allow', rules: [{ action: 'deny', tool: '*', arguments: { value: '^1\\d{3,}$' } }] });
    expect(decideApproval([numbers], 'convert', { value: 12000 }).allowed).toBe(false);
    expect(decideApproval([numbers], 'convert', { value: 12 }).allowed).toBe(true);
    expect(decideApproval([numbers], 'convert', {}).allowed).toBe(true);
  });

  it('the run config is checked first; without a match, a deny default anywhere wins', () => {
    const run = policy({ rules: [{ action: 'deny', tool: '*', arguments: { command: 'curl' }, reason: 'no network here' }] });
    expect(decideApproval([run, task], 'bash', { command: 'curl x' })).toEqual({ allowed: false, reason: 'no network here' });
    const closed = policy({ default: 'deny', rules: [{ action: 'allow', tool: 'submit' }] });
    expect(decideApproval([closed, undefined], 'bash', { command: 'ls' })).toEqual({ allowed: false, reason: 'the approval policy denies bash calls by default' });
    expect(decideApproval([closed], 'submit', { answer: 'x' }).allowed).toBe(true);
    expect(decideApproval([undefined, undefined], 'bash', { command: 'rm x' }).allowed).toBe(true);
  });

  it('a pattern that does not compile is refused when the policy loads, naming the field', () => {
    const parsed = approvalPolicySchema.safeParse({ rules: [{ action: 'deny', tool: 'bash', arguments: { command: '(' } }] });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues[0]!.path).toEqual(['rules', 0, 'arguments', 'command']);
    expect(() => parseModelConfig({ approval: { rules: [{ action: 'maybe', tool: 'bash' }] } }, 'sandbench.config.yaml')).toThrow(/sandbench\.config\.yaml: approval\.rules\[0\]\.action/);
  });
});
