import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError, SandboxError } from '../errors/sandbench-error.ts';
import { runtimeProfileSchema, type RuntimeProfile } from '../schemas/runtime-profile.ts';
import type { Language } from '../schemas/task.ts';
import { formatZodIssues } from '../schemas/format-zod-error.ts';
import { packageRoot } from './package-root.ts';

/** A loaded profile with the folder it came from. */
export interface LoadedRuntimeProfile extends RuntimeProfile {
  /** Absolute folder of the profile (holds the smoke program). */
  folder: string;
}

const cache = new Map<string, Map<Language, LoadedRuntimeProfile>>();

/** Load and validate every `sandboxes/<language>/profile.json` under `root`. */
export function loadRuntimeProfiles(root = join(packageRoot(), 'sandboxes')): Map<Language, LoadedRuntimeProfile> {
  const hit = cache.get(root);
  if (hit) return hit;
  const profiles = new Map<Language, LoadedRuntimeProfile>();
  if (existsSync(root)) {
    for (const entry of readdirSync(root, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const file = join(root, entry.name, 'profile.json');
      if (!existsSync(file)) continue;
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(file, 'utf8'));
      } catch (error) {
        throw new InvalidInputError(`${file}: not valid JSON: ${(error as Error).message}`, { details: { file } });
      }
      const parsed = runtimeProfileSchema.safeParse(raw);
      if (!parsed.success) {
        throw new InvalidInputError(`${file}: ${formatZodIssues(parsed.error.issues)}`, { details: { file } });
      }
      profiles.set(parsed.data.language, { ...parsed.data, folder: join(root, entry.name) });
    }
  }
  cache.set(root, profiles);
  return profiles;
}

/**
 * The profile with a named variant's fields in place of its own (the environment merged), or the
 * profile itself when `variant` is undefined; an unknown variant is refused naming those that exist.
 */
export function profileVariant(profile: LoadedRuntimeProfile, variant: string | undefined): LoadedRuntimeProfile {
  if (variant === undefined) return profile;
  const chosen = profile.variants?.[variant];
  if (!chosen) {
    const known = Object.keys(profile.variants ?? {});
    throw new SandboxError(
      `the ${profile.language} runtime has no variant '${variant}' (have: ${known.join(', ') || 'none'})`,
      { code: 'unsupported', details: { language: profile.language, variant } },
    );
  }
  const merged: LoadedRuntimeProfile = { ...profile };
  if (chosen.sourceFile !== undefined) merged.sourceFile = chosen.sourceFile;
  if (chosen.compile !== undefined) merged.compile = chosen.compile;
  if (chosen.run !== undefined) merged.run = chosen.run;
  if (chosen.env !== undefined) merged.env = { ...profile.env, ...chosen.env };
  return merged;
}

/** The profile for one language, or a clear error naming the languages that exist. */
export function runtimeProfile(language: Language, root?: string): LoadedRuntimeProfile {
  const profiles = loadRuntimeProfiles(root);
  const profile = profiles.get(language);
  if (!profile) {
    throw new InvalidInputError(
      `no runtime profile for language '${language}' (have: ${[...profiles.keys()].join(', ') || 'none'})`,
      { code: 'invalid-input', details: { language } },
    );
  }
  return profile;
}
