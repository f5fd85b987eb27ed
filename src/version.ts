import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './runtimes/package-root.ts';

/** sandbench's version, from its package.json. */
export const SANDBENCH_VERSION: string = (
  JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }
).version;
