import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The folder holding sandbench's package.json (where `sandboxes/`, `images/` and `tasks/`
 * live), found by walking up from this module, so it works from `src/` and from `dist/`.
 */
export function packageRoot(): string {
  if (cached) return cached;
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(folder, 'package.json');
    if (existsSync(candidate)) {
      const manifest = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string };
      if (manifest.name === 'sandbench') return (cached = folder);
    }
    const parent = dirname(folder);
    if (parent === folder) throw new Error('sandbench: cannot find the package root from ' + import.meta.url);
    folder = parent;
  }
}
