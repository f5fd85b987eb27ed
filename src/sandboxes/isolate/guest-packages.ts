import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

/**
 * npm packages that guest programs may `require` in the isolate, as they would in Node with the
 * package installed: MBXP's JavaScript tests start with `const _ = require("lodash")`. Each is a
 * single CommonJS file (its package's `main`), from sandbench's own `node_modules`, where
 * package.json pins its version; the node image carries the same copy for the Docker backend.
 */
export const GUEST_PACKAGES: readonly string[] = ['lodash'];

const resolveFromHere = createRequire(import.meta.url);
const sources = new Map<string, string>();

/**
 * The source of a guest package's main file, read once per process; undefined for a name that
 * is not a guest package (the guest then gets Node's `Cannot find module`).
 */
export function guestPackageSource(name: string): string | undefined {
  if (!GUEST_PACKAGES.includes(name)) return undefined;
  let source = sources.get(name);
  if (source === undefined) {
    source = readFileSync(resolveFromHere.resolve(name), 'utf8');
    sources.set(name, source);
  }
  return source;
}
