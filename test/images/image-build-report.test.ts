import { describe, expect, it } from 'vitest';
import { SandboxError } from '../../src/errors/sandbench-error.ts';
import {
  buildingLine,
  buildReason,
  builtLine,
  builtReport,
  failedLine,
  imageBuildFailure,
  skippedReport,
  upToDateLine,
} from '../../src/images/image-build-report.ts';

const hash = '8d598734f90da1a78c0ab2717c7c8a75289ef4f3a14938d4ae3624c805bf3e6f';
const recipe = { name: 'python', reference: 'sandbench-python:latest', hash };
const imageId = 'sha256:e024b735dd85d9d45130fa5e9d1cb2ce2a4b176feb07ac2b9d6d59d42fc1ef96';

describe('buildReason', () => {
  it('builds a missing, unlabelled or stale image, and a current one only when forced', () => {
    expect(buildReason(undefined, hash, false)).toBe('missing');
    expect(buildReason(undefined, hash, true)).toBe('missing');
    expect(buildReason({ id: imageId, hash: 'f'.repeat(64), sizeBytes: 1 }, hash, false)).toBe('recipe changed');
    // An image of that name that sandbench did not build carries no label.
    expect(buildReason({ id: imageId, hash: undefined, sizeBytes: 1 }, hash, false)).toBe('recipe changed');
    expect(buildReason({ id: imageId, hash, sizeBytes: 1 }, hash, false)).toBeUndefined();
    expect(buildReason({ id: imageId, hash, sizeBytes: 1 }, hash, true)).toBe('forced');
  });
});

describe('reports (the JSON lines `images build` prints)', () => {
  it('writes a skipped image exactly as before the split, key order included', () => {
    const report = skippedReport(recipe, { id: imageId, hash, sizeBytes: 117333427 }, 1);
    // Captured from `./sandbench images build` before the builder was split into modules.
    expect(JSON.stringify(report)).toBe(
      '{"name":"python","image":"sandbench-python:latest","hash":"8d598734f90da1a78c0ab2717c7c8a75289ef4f3a14938d4ae3624c805bf3e6f",' +
        '"status":"skipped","reason":"up to date","imageId":"sha256:e024b735dd85d9d45130fa5e9d1cb2ce2a4b176feb07ac2b9d6d59d42fc1ef96",' +
        '"sizeBytes":117333427,"durationMs":1}',
    );
  });

  it('writes a built image with its mode, reason and phases', () => {
    const report = builtReport(recipe, { id: imageId, hash, sizeBytes: 117333427 }, {
      mode: 'offline',
      reason: 'forced',
      durationMs: 63456,
      phases: { debootstrap: 50000, trim: 400, import: 9000, verify: 1200 },
    });
    expect(JSON.stringify(report)).toBe(
      '{"name":"python","image":"sandbench-python:latest","hash":"8d598734f90da1a78c0ab2717c7c8a75289ef4f3a14938d4ae3624c805bf3e6f",' +
        '"status":"built","mode":"offline","reason":"forced","imageId":"sha256:e024b735dd85d9d45130fa5e9d1cb2ce2a4b176feb07ac2b9d6d59d42fc1ef96",' +
        '"sizeBytes":117333427,"durationMs":63456,"phases":{"debootstrap":50000,"trim":400,"import":9000,"verify":1200}}',
    );
  });
});

describe('progress lines', () => {
  it('says what happens to each image in the words the CLI always used', () => {
    expect(upToDateLine(recipe)).toBe('[python] sandbench-python:latest is up to date (recipe 8d598734f90d)');
    expect(buildingLine(recipe, 'missing', 'offline')).toBe('[python] building sandbench-python:latest (missing, offline)');
    expect(buildingLine(recipe, 'recipe changed', 'online')).toBe('[python] building sandbench-python:latest (recipe changed, online)');
    expect(builtLine(recipe, 63456, 117333427)).toBe('[python] built sandbench-python:latest in 63.5 s, 117 MB');
    expect(failedLine('gcc', new SandboxError('debootstrap failed'))).toBe('[gcc] failed: debootstrap failed');
    expect(failedLine('gcc', 'not an Error')).toBe('[gcc] failed: not an Error');
  });
});

describe('imageBuildFailure', () => {
  it('names every failed image and keeps the reports of those that finished', () => {
    const first = new SandboxError('debootstrap failed');
    const finished = skippedReport(recipe, { id: imageId, hash, sizeBytes: 1 }, 2);
    const error = imageBuildFailure(
      [
        { name: 'gcc', error: first },
        { name: 'node', error: new Error('engine went away') },
      ],
      [undefined, undefined, finished],
    );
    expect(error).toBeInstanceOf(SandboxError);
    expect(error.code).toBe('sandbox-failure');
    expect(error.message).toBe('image gcc: debootstrap failed; image node: engine went away');
    expect(error.cause).toBe(first);
    expect(error.details).toEqual({ failed: ['gcc', 'node'], reports: [finished] });
  });
});
