import type { ApprovalPolicy, ApprovalRule } from './agent-task-schema.ts';

/** What the policies decided about a call, and which rule said so. */
export interface ApprovalDecision {
  allowed: boolean;
  /** Said to the model (and recorded) when the call is denied. */
  reason?: string;
}

function ruleMatches(rule: ApprovalRule, tool: string, input: Record<string, unknown>): boolean {
  const tools = Array.isArray(rule.tool) ? rule.tool : [rule.tool];
  if (!tools.includes('*') && !tools.includes(tool)) return false;
  for (const [name, pattern] of Object.entries(rule.arguments ?? {})) {
    const value = input[name];
    if (value === undefined) return false;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (!new RegExp(pattern, 'u').test(text)) return false;
  }
  return true;
}

/**
 * Decide a tool call against policies in order (the run config's, then the task's): the first
 * rule that matches, in the first policy that has one, decides; with no match anywhere, the call
 * is denied when any policy's default is `deny` (the stricter wins), allowed otherwise.
 */
export function decideApproval(policies: ReadonlyArray<ApprovalPolicy | undefined>, tool: string, input: Record<string, unknown>): ApprovalDecision {
  const present = policies.filter((policy): policy is ApprovalPolicy => policy !== undefined);
  for (const policy of present) {
    const rule = policy.rules.find((candidate) => ruleMatches(candidate, tool, input));
    if (!rule) continue;
    if (rule.action === 'allow') return { allowed: true };
    return { allowed: false, reason: rule.reason ?? `the approval policy denies this ${tool} call` };
  }
  if (present.some((policy) => policy.default === 'deny')) return { allowed: false, reason: `the approval policy denies ${tool} calls by default` };
  return { allowed: true };
}
