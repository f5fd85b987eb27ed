import { describe, expect, it } from 'vitest';
import { EXIT, ERROR_EXIT_CODES, exitCodeFor } from '../../src/errors/exit-codes.ts';
import { InvalidInputError, SandboxError, SandbenchError } from '../../src/errors/sandbench-error.ts';

describe('error recognition across copies of the package', () => {
  it('recognises errors made by another copy of the module (as with two installed versions)', async () => {
    // A query string makes the loader evaluate the module again: new classes, as a second copy would have.
    const secondCopy = '../../src/errors/sandbench-error.ts?second-copy';
    const other = (await import(/* @vite-ignore */ secondCopy)) as typeof import('../../src/errors/sandbench-error.ts');
    expect(other.SandbenchError).not.toBe(SandbenchError);
    const foreign = new other.SandboxError('engine gone', { code: 'sandbox-unavailable' });
    expect(foreign instanceof SandbenchError).toBe(false);
    expect(SandbenchError.isInstance(foreign)).toBe(true);
    expect(SandboxError.isInstance(foreign)).toBe(true);
    expect(InvalidInputError.isInstance(foreign)).toBe(false);
    expect(SandbenchError.isInstance(foreign, 'sandbox-unavailable')).toBe(true);
    expect(SandbenchError.isInstance(foreign, 'image-missing')).toBe(false);
    expect(exitCodeFor(foreign)).toBe(EXIT.engine);
    const bad = new other.InvalidInputError('x.yaml: bad', { code: 'task-file' });
    expect(InvalidInputError.isInstance(bad)).toBe(true);
    expect(SandboxError.isInstance(bad)).toBe(false);
    expect(exitCodeFor(bad)).toBe(EXIT.usage);
  });

  it('does not take look-alikes or plain errors for sandbench errors', () => {
    expect(SandbenchError.isInstance(new Error('x'))).toBe(false);
    expect(SandbenchError.isInstance({ code: 'invalid-input', message: 'x', name: 'SandbenchError' })).toBe(false);
    expect(SandbenchError.isInstance(null)).toBe(false);
    expect(exitCodeFor(new TypeError('bug'))).toBe(EXIT.internal);
  });

  it('maps every error code to a documented exit code', () => {
    for (const [code, exit] of Object.entries(ERROR_EXIT_CODES)) {
      expect([EXIT.usage, EXIT.engine, EXIT.model, EXIT.internal], code).toContain(exit);
    }
    expect(exitCodeFor(new SandboxError('no image', { code: 'image-missing' }))).toBe(3);
    expect(exitCodeFor(new InvalidInputError('exists', { code: 'run-exists' }))).toBe(2);
    expect(exitCodeFor(new SandbenchError('model-unavailable', 'provider down'))).toBe(4);
  });
});
