/**
 * Realistic HumanEval answers, generated deterministically from the dataset and a seed: what a
 * mediocre model returns. Most are wrong, either raising (a body that raises, a call to a name
 * never defined, an index past the end, an answer cut off mid-way) or returning wrong values
 * (mutations of the canonical solution: an integer off by one, a flipped comparison, a wrong
 * return); some are right (the canonical solution, or it reformatted); and about 1 sample in 200
 * loops forever (`while True: pass`). A kind says what was intended: a mutation can still pass
 * (an equivalent mutant) and a cut can still be valid code, so the scripts count outcomes apart.
 */
import type { HumanEvalRecord } from './humaneval-programs.ts';

/** What a generated answer was meant to be. */
export type AnswerKind =
  | 'canonical'
  | 'canonical-reformatted'
  | 'raises'
  | 'undefined-name'
  | 'index-out-of-range'
  | 'cut-off'
  | 'off-by-one'
  | 'flipped-comparison'
  | 'wrong-return'
  | 'infinite-loop';

/** The broad class of each kind, for the printed mix. */
export const KIND_GROUPS: Readonly<Record<AnswerKind, 'correct' | 'exception' | 'wrong value' | 'infinite loop'>> = {
  canonical: 'correct',
  'canonical-reformatted': 'correct',
  raises: 'exception',
  'undefined-name': 'exception',
  'index-out-of-range': 'exception',
  'cut-off': 'exception',
  'off-by-one': 'wrong value',
  'flipped-comparison': 'wrong value',
  'wrong-return': 'wrong value',
  'infinite-loop': 'infinite loop',
};

/** How often each kind is drawn (the infinite loops are placed apart, 1 in 200). */
const KIND_WEIGHTS: ReadonlyArray<readonly [AnswerKind, number]> = [
  ['canonical', 15],
  ['canonical-reformatted', 10],
  ['raises', 8],
  ['undefined-name', 9],
  ['index-out-of-range', 8],
  ['cut-off', 10],
  ['off-by-one', 14],
  ['flipped-comparison', 14],
  ['wrong-return', 12],
];

/** Samples per infinite loop. */
const SAMPLES_PER_LOOP = 200;

/** One generated answer: a line of the scripted model's file, plus what it was meant to be. */
export interface RealisticAnswer {
  task_id: string;
  /** 0-based sample index within the task. */
  sampleIndex: number;
  /** The text that continues the prompt (a function body). */
  completion: string;
  kind: AnswerKind;
}

/** A small seeded generator (xorshift32 over an FNV-1a hash of the seed text): same seed, same answers. */
export class SeededRandom {
  #state: number;

  constructor(seed: string) {
    let hash = 0x811c9dc5;
    for (const character of seed) {
      hash ^= character.codePointAt(0) as number;
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    this.#state = hash === 0 ? 0x9e3779b9 : hash;
  }

  /** A float in [0, 1). */
  next(): number {
    let x = this.#state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.#state = x;
    return x / 0x1_0000_0000;
  }

  /** A whole number in [0, bound). */
  below(bound: number): number {
    return Math.floor(this.next() * bound);
  }

  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)] as T;
  }
}

/** The parameter names of `def <name>(...)` in a prompt (annotations and defaults dropped). */
export function parameterNames(prompt: string, functionName: string): string[] {
  const start = prompt.lastIndexOf(`def ${functionName}(`);
  if (start < 0) return [];
  let depth = 0;
  let text = '';
  for (let index = start + `def ${functionName}(`.length; index < prompt.length; index++) {
    const character = prompt[index] as string;
    if (character === ')' && depth === 0) break;
    if ('([{'.includes(character)) depth++;
    if (')]}'.includes(character)) depth--;
    // Commas inside brackets belong to annotations (`Tuple[int, int]`): keep only the top level.
    text += character === ',' && depth > 0 ? ' ' : character;
  }
  return text
    .split(',')
    .map((part) => (/^\s*\*{0,2}([A-Za-z_]\w*)/.exec(part)?.[1] ?? ''))
    .filter((name) => name !== '');
}

/** For each character of a line, whether it is code (outside string literals and comments). */
function codeMask(line: string): boolean[] {
  const mask: boolean[] = [];
  let quote: string | undefined;
  for (let index = 0; index < line.length; index++) {
    const character = line[index] as string;
    if (quote === undefined) {
      if (character === '#') {
        while (mask.length < line.length) mask.push(false);
        return mask;
      }
      if (character === '"' || character === "'") {
        quote = character;
        mask.push(false);
        continue;
      }
      mask.push(true);
      continue;
    }
    mask.push(false);
    if (character === '\\') {
      mask.push(false);
      index++;
    } else if (character === quote) {
      quote = undefined;
    }
  }
  return mask;
}

/** A place in the code where a mutation applies: line, column, length of the text replaced, replacement. */
interface MutationSite {
  line: number;
  column: number;
  length: number;
  replacement: string;
}

/** Every match of `pattern` that lies wholly in code, turned into a site by `replace`. */
function codeSites(lines: readonly string[], pattern: RegExp, replace: (match: string) => string | undefined): MutationSite[] {
  const sites: MutationSite[] = [];
  lines.forEach((line, lineIndex) => {
    const mask = codeMask(line);
    for (const match of line.matchAll(pattern)) {
      const column = match.index;
      const text = match[0];
      if (!mask.slice(column, column + text.length).every(Boolean)) continue;
      const replacement = replace(text);
      if (replacement !== undefined) sites.push({ line: lineIndex, column, length: text.length, replacement });
    }
  });
  return sites;
}

type Mutation = 'off-by-one' | 'flipped-comparison' | 'wrong-return';

const FLIPPED: Readonly<Record<string, string>> = { '<': '>=', '>': '<=', '<=': '>', '>=': '<', '==': '!=', '!=': '==' };

function mutationSites(kind: Mutation, lines: readonly string[]): MutationSite[] {
  switch (kind) {
    case 'off-by-one':
      return codeSites(lines, /(?<![\w.])\d+(?![\w.])/g, (text) => String(Number(text) + 1));
    case 'flipped-comparison':
      return codeSites(lines, /(?<![<>=!-])(<=|>=|==|!=|<(?![<=])|>(?![>=]))/g, (text) => FLIPPED[text]);
    case 'wrong-return':
      // A whole `return` statement (and anything after it on the line) becomes a wrong constant.
      return lines.flatMap((line, lineIndex) => {
        const match = /^(\s*)return\b.*$/.exec(line);
        if (!match) return [];
        const column = (match[1] as string).length;
        const replacement = line.slice(column).trim() === 'return None' ? 'return 0' : 'return None';
        return [{ line: lineIndex, column, length: line.length - column, replacement }];
      });
  }
}

/** The canonical solution with one mutation of `first`'s kind, or of the next kind that has a site. */
function mutate(canonical: string, first: Mutation, random: SeededRandom): { kind: Mutation; completion: string } | undefined {
  const lines = canonical.split('\n');
  const order = (['off-by-one', 'flipped-comparison', 'wrong-return'] as const).filter((kind) => kind !== first);
  for (const kind of [first, ...order]) {
    const sites = mutationSites(kind, lines);
    if (sites.length === 0) continue;
    const site = random.pick(sites);
    const line = lines[site.line] as string;
    lines[site.line] = line.slice(0, site.column) + site.replacement + line.slice(site.column + site.length);
    return { kind, completion: lines.join('\n') };
  }
  return undefined;
}

/**
 * The canonical solution as another writer would lay it out: a comment first, and nested blocks
 * indented by 2 instead of 4 where that is safe (every indent a multiple of 4, no line
 * continuation or multi-line string); the meaning is unchanged.
 */
function reformat(canonical: string): string {
  const lines = canonical.replace(/\s+$/, '').split('\n');
  const indents = lines.filter((line) => line.trim() !== '').map((line) => line.length - line.trimStart().length);
  const safe = indents.every((indent) => indent % 4 === 0 && indent >= 4) && !/\\\n|"""|'''/.test(canonical);
  const body = safe
    ? lines.map((line) => {
        if (line.trim() === '') return '';
        const level = (line.length - line.trimStart().length) / 4;
        return ' '.repeat(4 + 2 * (level - 1)) + line.trimStart().replace(/\s+$/, '');
      })
    : lines.map((line) => line.replace(/\s+$/, ''));
  return `    # straightforward approach\n${body.join('\n')}\n`;
}

/** The answer of one `kind` for `record` (a kind that cannot apply falls back to another wrong one). */
function answer(record: HumanEvalRecord, kind: AnswerKind, random: SeededRandom): { kind: AnswerKind; completion: string } {
  const canonical = record.canonical_solution;
  const parameters = parameterNames(record.prompt, record.entry_point);
  switch (kind) {
    case 'canonical':
      return { kind, completion: canonical };
    case 'canonical-reformatted':
      return { kind, completion: reformat(canonical) };
    case 'raises':
      return { kind, completion: `    raise NotImplementedError("${record.entry_point} is not implemented yet")\n` };
    case 'undefined-name':
      return { kind, completion: `    return ${record.entry_point}_helper(${parameters.join(', ')})\n` };
    case 'index-out-of-range': {
      const first = parameters[0];
      const items = first === undefined ? '[]' : `list(${first}) if isinstance(${first}, (list, tuple, str)) else [${first}]`;
      return { kind, completion: `    items = ${items}\n    return items[len(items)]\n` };
    }
    case 'cut-off': {
      // A model stopped by its token limit: the solution cut somewhere in its middle half.
      const at = Math.floor(canonical.length * (0.25 + 0.5 * random.next()));
      return { kind, completion: canonical.slice(0, at) };
    }
    case 'off-by-one':
    case 'flipped-comparison':
    case 'wrong-return': {
      return mutate(canonical, kind, random) ?? answer(record, 'raises', random);
    }
    case 'infinite-loop':
      return { kind, completion: '    while True:\n        pass\n' };
  }
}

function drawKind(random: SeededRandom): AnswerKind {
  const total = KIND_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
  let ticket = random.next() * total;
  for (const [kind, weight] of KIND_WEIGHTS) {
    ticket -= weight;
    if (ticket < 0) return kind;
  }
  return 'canonical';
}

/**
 * `samples` answers per record, in record order then sample order. About one in 200 samples is an
 * infinite loop (at least one), at seeded positions; the others are drawn by weight.
 */
export function realisticAnswers(records: readonly HumanEvalRecord[], samples: number, seed: string): RealisticAnswer[] {
  const random = new SeededRandom(seed);
  const total = records.length * samples;
  const loops = new Set<number>();
  const wanted = Math.min(total, Math.max(1, Math.round(total / SAMPLES_PER_LOOP)));
  while (loops.size < wanted) loops.add(random.below(total));
  const answers: RealisticAnswer[] = [];
  records.forEach((record, recordIndex) => {
    for (let sampleIndex = 0; sampleIndex < samples; sampleIndex++) {
      const position = recordIndex * samples + sampleIndex;
      const kind = loops.has(position) ? 'infinite-loop' : drawKind(random);
      answers.push({ task_id: record.task_id, sampleIndex, ...answer(record, kind, random) });
    }
  });
  return answers;
}
