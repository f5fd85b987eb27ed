import { describe, expect, it } from 'vitest';
import { jsonArrayItemTexts } from '../../src/datasets/json-array-item-texts.ts';

describe('jsonArrayItemTexts: the source text of each item of an object member that is an array', () => {
  it('returns the items as written: digits beyond 2^53, 1.0, exponents and key order kept', () => {
    const text = '{"inputs": [[9007199254740993, 1.0], {"10": 1, "2": 2}, -1e400, "x"], "outputs": [1]}';
    expect(jsonArrayItemTexts(text, 'inputs')).toEqual(['[9007199254740993, 1.0]', '{"10": 1, "2": 2}', '-1e400', '"x"']);
    expect(jsonArrayItemTexts(text, 'outputs')).toEqual(['1']);
  });

  it('reads strings with brackets, quotes, escapes and non-ASCII text as one item', () => {
    const items = ['"a]b,c}"', '"\\"[\\\\"', '"\\u005d\\n"', '"✓ 😀 \u2028"', '[]', '{}', 'null', 'true', 'false'];
    const text = ` { "fn_name" : "f" ,\n "inputs" :\t[ ${items.join(' ,\r\n ')} ] } `;
    expect(jsonArrayItemTexts(text, 'inputs')).toEqual(items);
    // Each item is the JSON of the value JSON.parse gives for it.
    const parsed = JSON.parse(text) as { inputs: unknown[] };
    expect(items.map((item) => JSON.parse(item) as unknown)).toEqual(parsed.inputs);
  });

  it('takes the last member of a repeated key, as JSON.parse does, and compares keys by their decoded text', () => {
    expect(jsonArrayItemTexts('{"inputs": [1], "in\\u0070uts": [2, 3]}', 'inputs')).toEqual(['2', '3']);
    expect(jsonArrayItemTexts('{"inputs": [1], "nested": {"inputs": [9]}}', 'inputs')).toEqual(['1']);
  });

  it('returns an empty list for an empty array and undefined when there is no such array', () => {
    expect(jsonArrayItemTexts('{"inputs": [ ]}', 'inputs')).toEqual([]);
    expect(jsonArrayItemTexts('{"inputs": "[1]"}', 'inputs')).toBeUndefined();
    expect(jsonArrayItemTexts('{"outputs": [1]}', 'inputs')).toBeUndefined();
    expect(jsonArrayItemTexts('[{"inputs": [1]}]', 'inputs')).toBeUndefined();
  });
});
