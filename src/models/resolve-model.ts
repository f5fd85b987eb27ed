import { InvalidInputError } from '../errors/sandbench-error.ts';
import { emptyModel } from './empty-model.ts';
import type { Model } from './model.ts';
import { referenceModel } from './reference-model.ts';
import { ScriptedModel } from './scripted-model.ts';

/** Model providers this build knows, as written in a spec. */
export const MODEL_PROVIDERS = ['reference', 'empty', 'scripted:<file>', 'replay:<run folder>'] as const;

function isModel(value: unknown): value is Model {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Model).id === 'string' &&
    typeof (value as Model).generate === 'function'
  );
}

function unknownModel(spec: string, why: string): InvalidInputError {
  return new InvalidInputError(`unknown model '${spec}': ${why}; known providers: ${MODEL_PROVIDERS.join(', ')}`, {
    details: { spec, providers: [...MODEL_PROVIDERS] },
  });
}

/**
 * The model for a `provider:model` spec (`reference`, `empty`, `scripted:<file>`), or a
 * user-supplied `Model` object, returned as is. The provider is the text before the first
 * colon, so a scripted file path may itself contain colons.
 */
export async function resolveModel(spec: string | Model): Promise<Model> {
  if (typeof spec !== 'string') {
    if (isModel(spec)) return spec;
    throw new InvalidInputError('a model must be a spec string or an object with an `id` and a `generate` function');
  }
  const trimmed = spec.trim();
  const colon = trimmed.indexOf(':');
  const provider = colon === -1 ? trimmed : trimmed.slice(0, colon);
  const name = colon === -1 ? '' : trimmed.slice(colon + 1);
  switch (provider) {
    case 'reference':
      if (name !== '') throw unknownModel(spec, "'reference' takes no model name");
      return referenceModel;
    case 'empty':
      if (name !== '') throw unknownModel(spec, "'empty' takes no model name");
      return emptyModel;
    case 'scripted':
      if (name === '') throw unknownModel(spec, "'scripted' needs a file: scripted:<file.jsonl>");
      return ScriptedModel.load(name);
    case 'replay': {
      if (name === '') throw unknownModel(spec, "'replay' needs a run folder: replay:<folder>");
      const { ReplayModel } = await import('./replay-model.ts');
      return ReplayModel.load(name);
    }
    default:
      throw unknownModel(spec, provider === '' ? 'empty spec' : `no provider '${provider}'`);
  }
}
