import pLimit from 'p-limit';
import { afterAll, describe, expect, it } from 'vitest';
import { runEpisodeSample } from '../../src/harness/run-episode-sample.ts';
import { silentLogger } from '../../src/logging/silent-logger.ts';
import { ScriptedModel } from '../../src/models/scripted-model.ts';
import { SandboxSet } from '../../src/sandboxes/resolve-sandbox.ts';
import { taskSchema } from '../../src/schemas/task.ts';
import { dockerForTests } from '../helpers/docker-available.ts';

const docker = await dockerForTests();

describe.skipIf(!docker.available)('a custom tool implemented as a command in the episode container', () => {
  const sandboxes = new SandboxSet('docker');
  afterAll(async () => {
    await sandboxes.dispose();
  });

  it('gets its arguments as JSON on stdin, sees the episode files, and a failing exit goes back as an error', async () => {
    const task = taskSchema.parse({
      id: 'stock',
      kind: 'agent',
      language: 'python',
      prompt: 'How many pears are in stock? Use lookup, then submit the count.',
      files: { 'stock.json': '{"pear": 12, "fig": 3}' },
      tools: [
        'submit',
        {
          name: 'lookup',
          description: 'Look an item up in the stock file.',
          parameters: { type: 'object', properties: { item: { type: 'string' } }, required: ['item'] },
          command: 'python3 -c \'import json, sys; item = json.load(sys.stdin)["item"]; stock = json.load(open("stock.json")); print(stock[item]) if item in stock else sys.exit("no such item: " + item)\'',
        },
      ],
      scorers: [{ answer: { number: 12 } }, { trajectory: { calls: [{ tool: 'lookup', arguments: { item: 'pear' } }] } }],
    });
    const turns = [
      { tool_calls: [{ name: 'lookup', arguments: { item: 'kiwi' } }] },
      { tool_calls: [{ name: 'lookup', arguments: { item: 'pear' } }] },
      { tool_calls: [{ name: 'submit', arguments: { answer: '12' } }] },
    ];
    const model = ScriptedModel.parse(JSON.stringify({ task_id: 'stock', turns }), 'stock.jsonl');
    const sample = await runEpisodeSample(task, 0, { model, sandboxes, request: {}, modelLane: pLimit(1), episodeLane: pLimit(1), logger: silentLogger });
    const [missing, found] = sample.episode!.toolCalls;
    expect(missing).toMatchObject({ name: 'lookup', status: 'error', exitCode: 1 });
    expect(missing!.output).toContain('no such item: kiwi');
    expect(found).toMatchObject({ name: 'lookup', status: 'ok', output: '12\n', exitCode: 0 });
    expect(sample.outcome).toBe('passed');
    expect(sample.scores!.map((component) => [component.scorer, component.pass])).toEqual([
      ['number', true],
      ['trajectory', true],
    ]);
  });
});
