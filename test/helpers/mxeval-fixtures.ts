import { join } from 'node:path';
import { repoRoot } from './paths.ts';

/**
 * Hand-written fixtures in mxeval's layout (`test/fixtures/mxeval/`), one per language sandbench
 * runs: the first two records carry right references, the last a wrong one.
 */
export const MXEVAL_FIXTURES = [
  { language: 'python', file: 'mbpp-python.jsonl', ids: ['MBPP/1', 'MBPP/2', 'MBPP/3'] },
  { language: 'javascript', file: 'mbjsp-javascript.jsonl', ids: ['MBJSP/1', 'MBJSP/2', 'MBJSP/3'] },
  { language: 'typescript', file: 'humaneval-typescript.jsonl', ids: ['HumanEval_typescript/0', 'HumanEval_typescript/1', 'HumanEval_typescript/2'] },
  { language: 'java', file: 'mbjp-java.jsonl', ids: ['MBJP/1', 'MBJP/2', 'MBJP/3'] },
  { language: 'go', file: 'mbgp-go.jsonl', ids: ['MBGP/1', 'MBGP/2', 'MBGP/3'] },
  { language: 'cpp', file: 'mbcpp-cpp.jsonl', ids: ['MBCPP/1', 'MBCPP/2', 'MBCPP/3'] },
] as const;

/** A fixture's path. */
export const mxevalFixture = (file: string): string => join(repoRoot, 'test', 'fixtures', 'mxeval', file);
