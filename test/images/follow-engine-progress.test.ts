import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SandboxError } from '../../src/errors/sandbench-error.ts';
import { createDockerClient } from '../../src/images/docker-client.ts';
import { followEngineProgress, type EngineEvent } from '../../src/images/follow-engine-progress.ts';

// The real client's progress reader; the stream is what an engine sends (no engine needed).
const docker = createDockerClient();

/** A JSON-lines body cut into awkward chunks, as it arrives from a socket. */
function engineStream(events: object[]): Readable {
  const text = events.map((event) => JSON.stringify(event)).join('\r\n') + '\n';
  return Readable.from([text.slice(0, 7), text.slice(7, 40), text.slice(40)]);
}

describe('followEngineProgress', () => {
  it('passes every event on as it arrives and resolves with them all', async () => {
    const seen: EngineEvent[] = [];
    const events = [{ status: 'Loading layer' }, { stream: 'Step 1/4 : FROM debian\n' }, { status: 'sha256:0123' }];
    const output = await followEngineProgress(docker, engineStream(events), (event) => seen.push(event));
    expect(seen).toEqual(events);
    expect(output).toEqual(events);
  });

  it('rejects with the engine message when an event reports an error', async () => {
    const stream = engineStream([{ stream: 'Step 2/4 : RUN apt-get update\n' }, { errorDetail: { message: 'returned a non-zero code: 100' }, error: 'x' }]);
    const failure = followEngineProgress(docker, stream, () => undefined);
    await expect(failure).rejects.toBeInstanceOf(SandboxError);
    await expect(failure).rejects.toThrow('returned a non-zero code: 100');
    await expect(followEngineProgress(docker, engineStream([{ error: 'no space left' }]), () => undefined)).rejects.toThrow(
      'no space left',
    );
  });
});
