import { z } from 'zod';
import { compareOutput } from './compare-output.ts';
import { anchoredRegex } from './regex-pattern.ts';

/**
 * Scorers of a plain answer (the model's final text, or what an agent submitted), the metrics
 * question-answer benchmarks start from. Each gives a pass/fail, a score in [0, 1] and a reason.
 */

/** How `equals` and `includes` normalise both sides before comparing. */
export const answerNormalisationSchema = z.strictObject({
  /** Compare without regard to letter case (default true). */
  ignoreCase: z.boolean().default(true),
  /** Collapse runs of whitespace and trim the ends (default true). */
  collapseWhitespace: z.boolean().default(true),
  /** Drop punctuation (default false). */
  ignorePunctuation: z.boolean().default(false),
});

const expectedAnswers = z.union([z.string(), z.array(z.string()).min(1)]);

/** One answer scorer, as written in a task file (`scorers: [{ answer: { equals: "…" } }]`). */
export const answerScorerSchema = z.union([
  z.strictObject({
    /** The answer equals one of these, after normalisation. */
    equals: expectedAnswers,
    normalise: answerNormalisationSchema.optional(),
  }),
  z.strictObject({
    /** The answer contains one of these, after normalisation. */
    includes: expectedAnswers,
    normalise: answerNormalisationSchema.optional(),
  }),
  z
    .strictObject({
      /** The whole answer (trimmed) matches this pattern. */
      regex: z.string().min(1),
      flags: z.string().regex(/^[imsu]*$/, 'flags are among i, m, s, u').optional(),
    })
    .superRefine((scorer, context) => {
      try {
        anchoredRegex(scorer.regex, scorer.flags ?? '');
      } catch (error) {
        context.addIssue({ code: 'custom', path: ['regex'], message: `the pattern does not compile: ${error instanceof Error ? error.message : String(error)}` });
      }
    }),
  z.strictObject({
    /** The answer's number (the last number in it) is within tolerance of this value. */
    number: z.number(),
    absTolerance: z.number().nonnegative().optional(),
    relTolerance: z.number().nonnegative().optional(),
  }),
  z.strictObject({
    /** Token F1 against the best of these references (SQuAD normalisation). */
    f1: expectedAnswers,
    /** Passes at or above this F1 (default 0.5). */
    threshold: z.number().min(0).max(1).default(0.5),
  }),
  z.strictObject({
    /** The letter of the right choice (`B`), found as the answer's choice letter. */
    choice: z.string().regex(/^[A-Za-z]$/, 'one letter'),
  }),
]);
export type AnswerScorer = z.infer<typeof answerScorerSchema>;
export type AnswerScorerInput = z.input<typeof answerScorerSchema>;

/** What one scorer made of an answer. */
export interface AnswerScore {
  /** The scorer's kind: `equals`, `includes`, `regex`, `number`, `f1`, `choice`. */
  scorer: string;
  pass: boolean;
  /** In [0, 1]: 1 or 0 for the pass/fail scorers, the F1 for `f1`. */
  score: number;
  /** Why, in a few words (what was expected, what was found). */
  reason: string;
}

/** At most this much of an answer is quoted in a reason. */
const QUOTE_CHARS = 80;

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > QUOTE_CHARS ? `${flat.slice(0, QUOTE_CHARS)}…` : flat);
}

function normalise(text: string, options: z.infer<typeof answerNormalisationSchema> | undefined): string {
  const settings = answerNormalisationSchema.parse(options ?? {});
  let value = text.normalize('NFKC');
  if (settings.ignoreCase) value = value.toLowerCase();
  if (settings.ignorePunctuation) value = value.replace(/[\p{P}\p{S}]/gu, '');
  if (settings.collapseWhitespace) value = value.replace(/\s+/gu, ' ').trim();
  return value;
}

/** SQuAD's answer normalisation: lower case, no punctuation, no articles, single spaces. */
export function squadNormalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Token F1 of a prediction against one reference (SQuAD: bags of tokens; both empty → 1). */
export function tokenF1(prediction: string, reference: string): number {
  const predicted = squadNormalise(prediction).split(' ').filter(Boolean);
  const expected = squadNormalise(reference).split(' ').filter(Boolean);
  if (predicted.length === 0 || expected.length === 0) return predicted.length === expected.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const token of expected) counts.set(token, (counts.get(token) ?? 0) + 1);
  let common = 0;
  for (const token of predicted) {
    const left = counts.get(token) ?? 0;
    if (left > 0) {
      common++;
      counts.set(token, left - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / predicted.length;
  const recall = common / expected.length;
  return (2 * precision * recall) / (precision + recall);
}

/** Numbers in a text, in order: `-1,234.5`, `3e-4`, `42` (thousands separators dropped). */
function numbersIn(text: string): number[] {
  const matches = text.match(/[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?|[-+]?\.\d+(?:[eE][-+]?\d+)?/g) ?? [];
  return matches.map((match) => Number(match.replace(/,/g, ''))).filter(Number.isFinite);
}

/** The choice letter an answer gives: a lone letter, `(B)`, `B)`, `B.`, or "answer is B". */
function choiceLetter(text: string): string | undefined {
  const trimmed = text.trim();
  const alone = /^\(?([A-Za-z])\)?[.:)]?$/.exec(trimmed);
  if (alone) return alone[1]!.toUpperCase();
  const stated = /\banswer(?:\s+is)?\s*[:\-]?\s*\(?([A-Za-z])\b\)?/i.exec(trimmed);
  if (stated) return stated[1]!.toUpperCase();
  const leading = /^\(?([A-Za-z])[.:)]\s/.exec(trimmed);
  return leading ? leading[1]!.toUpperCase() : undefined;
}

function list(expected: string | string[]): string[] {
  return Array.isArray(expected) ? expected : [expected];
}

function passFail(scorer: string, pass: boolean, reason: string): AnswerScore {
  return { scorer, pass, score: pass ? 1 : 0, reason };
}

/**
 * Score an answer with one scorer. Never throws for any answer: a scorer that cannot read the
 * answer (no number in it, no choice letter) fails it, saying so.
 *
 * @throws RangeError for a scorer that is not valid (parse task files with `answerScorerSchema`)
 */
export function scoreAnswer(answer: string, input: AnswerScorerInput): AnswerScore {
  const parsed = answerScorerSchema.safeParse(input);
  if (!parsed.success) throw new RangeError(`not an answer scorer: ${parsed.error.issues[0]?.message}`);
  const scorer = parsed.data;
  if ('equals' in scorer) {
    const got = normalise(answer, scorer.normalise);
    const hit = list(scorer.equals).find((expected) => normalise(expected, scorer.normalise) === got);
    return passFail('equals', hit !== undefined, hit !== undefined ? `equals ${quote(hit)}` : `expected ${list(scorer.equals).map(quote).join(' or ')}, got ${quote(answer)}`);
  }
  if ('includes' in scorer) {
    const got = normalise(answer, scorer.normalise);
    const hit = list(scorer.includes).find((expected) => got.includes(normalise(expected, scorer.normalise)));
    return passFail('includes', hit !== undefined, hit !== undefined ? `includes ${quote(hit)}` : `${quote(answer)} includes none of ${list(scorer.includes).map(quote).join(', ')}`);
  }
  if ('regex' in scorer) {
    // The regex comparator's matcher: anchored, and under a deadline (the answer is untrusted).
    const result = compareOutput(answer.trim(), scorer.regex, { type: 'regex', flags: scorer.flags ?? '' });
    return passFail('regex', result.passed, result.passed ? `matches /${scorer.regex}/` : (result.reason ?? 'no match'));
  }
  if ('number' in scorer) {
    const found = numbersIn(answer).at(-1);
    if (found === undefined) return passFail('number', false, `expected ${scorer.number}, found no number in ${quote(answer)}`);
    const allowed = Math.max(scorer.absTolerance ?? 0, (scorer.relTolerance ?? 0) * Math.abs(scorer.number));
    const pass = Math.abs(found - scorer.number) <= allowed;
    return passFail('number', pass, `expected ${scorer.number} ± ${allowed}, got ${found}`);
  }
  if ('f1' in scorer) {
    const references = list(scorer.f1);
    let best = 0;
    let bestReference = references[0]!;
    for (const reference of references) {
      const value = tokenF1(answer, reference);
      if (value > best) {
        best = value;
        bestReference = reference;
      }
    }
    return { scorer: 'f1', pass: best >= scorer.threshold, score: best, reason: `token F1 ${best.toFixed(3)} against ${quote(bestReference)} (pass at ${scorer.threshold})` };
  }
  const letter = choiceLetter(answer);
  const expected = scorer.choice.toUpperCase();
  if (letter === undefined) return passFail('choice', false, `expected choice ${expected}, found no choice letter in ${quote(answer)}`);
  return passFail('choice', letter === expected, `expected choice ${expected}, got ${letter}`);
}
