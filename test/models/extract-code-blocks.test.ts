import { describe, expect, it } from 'vitest';
import { extractCode, selectCodeBlocks } from '../../src/models/extract-code.ts';

describe('selectCodeBlocks', () => {
  it('returns undefined without a fence, and the chosen blocks apart otherwise', () => {
    expect(selectCodeBlocks('return 1', 'python')).toBeUndefined();
    const text = 'Helper:\n```python\ndef g(): pass\n```\nMain:\n```py\ndef f(): return g()\n```\nOutput:\n```text\n1\n```';
    expect(selectCodeBlocks(text, 'python')).toEqual(['def g(): pass', 'def f(): return g()']);
    expect(extractCode(text, 'python')).toBe('def g(): pass\n\ndef f(): return g()');
  });

  it('falls back to untagged blocks, then to the first block; empty blocks are no blocks', () => {
    expect(selectCodeBlocks('```\na\n```\n```js\nb\n```', 'python')).toEqual(['a']);
    expect(selectCodeBlocks('```js\nb\n```\n```ts\nc\n```', 'python')).toEqual(['b']);
    expect(selectCodeBlocks('```python\n\n```', 'python')).toEqual([]);
  });

  it('keeps an unclosed last block (an answer cut at max tokens)', () => {
    expect(selectCodeBlocks('```python\ndef f():\n    return (1,\n\n', 'python')).toEqual(['def f():\n    return (1,']);
  });
});
