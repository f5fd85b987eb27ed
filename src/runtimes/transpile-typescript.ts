import { createRequire } from 'node:module';
import type { TypescriptOptions } from '../schemas/task.ts';

/** Result of a transpile: JavaScript, or the syntax diagnostics that stopped it. */
export type TranspileResult = { ok: true; code: string } | { ok: false; diagnostics: string };

type TypescriptModule = typeof import('typescript');

let typescript: TypescriptModule | undefined;

/**
 * Load TypeScript on first use only: the compiler costs ~190 ms to load, and most runs never
 * see TypeScript. `createRequire` keeps the load synchronous so `transpileTypescript` stays sync.
 */
function loadTypescript(): TypescriptModule {
  if (!typescript) {
    const require = createRequire(import.meta.url);
    typescript = require('typescript') as TypescriptModule;
  }
  return typescript;
}

const TARGETS = {
  es5: 'ES5',
  es2015: 'ES2015',
  es2020: 'ES2020',
  es2022: 'ES2022',
  esnext: 'ESNext',
} as const;

/**
 * Transpile one TypeScript program to JavaScript without type-checking (TypeScript 6's
 * `transpileModule`). Syntax errors come back as `{ ok: false, diagnostics }`, one diagnostic
 * per line as `main.ts(line,col): error TSxxxx: message`, unless `options.emitOnError` asks for
 * the emitted code anyway (as `tsc` gives it); type errors are never reported.
 *
 * `module: 'commonjs'` turns `import … from 'assert'` into `require('assert')` (with
 * `esModuleInterop`, so default imports of CommonJS modules work); `module: 'esm'` keeps
 * `import` / `export` for an ES module loader.
 */
export function transpileTypescript(
  source: string,
  options: TypescriptOptions,
  fileName = 'main.ts',
): TranspileResult {
  const ts = loadTypescript();
  const target = ts.ScriptTarget[TARGETS[options.target]];
  const output = ts.transpileModule(source, {
    fileName,
    reportDiagnostics: true,
    compilerOptions: {
      target,
      module: options.module === 'esm' ? ts.ModuleKind.ESNext : ts.ModuleKind.CommonJS,
      // ES5 is deprecated in TypeScript 6 and refused without this.
      ...(options.target === 'es5' ? { ignoreDeprecations: '6.0' } : {}),
      esModuleInterop: true,
      // Keep imports whose bindings look unused: a guest may import only for side effects.
      verbatimModuleSyntax: false,
      sourceMap: false,
      inlineSourceMap: false,
      removeComments: false,
      newLine: ts.NewLineKind.LineFeed,
    },
  });
  const diagnostics = (output.diagnostics ?? []).filter(
    (diagnostic) => diagnostic.category === ts.DiagnosticCategory.Error,
  );
  // tsc emits despite syntax errors; harnesses that ran whatever it emitted ask for the same.
  if (diagnostics.length > 0 && options.emitOnError !== true) {
    const text = ts.formatDiagnostics(diagnostics, {
      getCanonicalFileName: (name) => name,
      getCurrentDirectory: () => '',
      getNewLine: () => '\n',
    });
    return { ok: false, diagnostics: text.trimEnd() };
  }
  return { ok: true, code: output.outputText };
}
