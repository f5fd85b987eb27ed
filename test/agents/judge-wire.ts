import type { FakeAnswer, FakeRequest } from '../support/fake-provider-server.ts';

/**
 * A test judge behind the fake provider: it recognises the judge scorer's request (its system
 * prompt) and grades every criterion as met when the answer is not blank, unmet otherwise, in
 * the strict JSON the judge scorer asks for. Undefined for any other request.
 */
export function judgeAnswer(request: FakeRequest): FakeAnswer | undefined {
  if (!request.system?.includes('strict grader')) return undefined;
  const text = request.messages.find((message) => message.role === 'user')?.text ?? '';
  const grading = JSON.parse(text.slice(text.indexOf('{'))) as { answer: string; criteria: Array<{ criterion: number }> };
  const pass = grading.answer.trim() !== '';
  const verdicts = grading.criteria.map((entry) => ({ criterion: entry.criterion, pass, reason: pass ? 'the answer addresses it' : 'there is no answer' }));
  return { text: JSON.stringify({ verdicts }) };
}
