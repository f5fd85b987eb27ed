import { createRequire } from 'node:module';

type TypescriptModule = typeof import('typescript');
type Node = import('typescript').Node;
type SourceFile = import('typescript').SourceFile;
type Statement = import('typescript').Statement;

let typescript: TypescriptModule | undefined;

/** TypeScript's parser, loaded on first use (about 190 ms): Python-only runs never pay for it. */
function loadTypescript(): TypescriptModule {
  if (!typescript) typescript = createRequire(import.meta.url)('typescript') as TypescriptModule;
  return typescript;
}

/**
 * Longest text parsed on the host. Model answers are a few kilobytes; the parser is linear and
 * throws `RangeError` on deep nesting (caught), so this only bounds the work per sample.
 */
export const MAX_PARSED_LENGTH = 200_000;

/** One top-level statement of a JavaScript or TypeScript text. */
export interface ScriptStatement {
  /** Offset where its leading comments and blank lines begin. */
  fullStart: number;
  /** Offset of its first token. */
  start: number;
  /** Offset just past it. */
  end: number;
  /** Names it declares at top level (functions, variables, classes, imports, enums). */
  names: string[];
  /** Whether a second declaration of one of its names is a redeclaration error (`let`, `const`, `class`, `import`). */
  lexical: boolean;
  /** Example usage a chat answer adds: `console.log(…)`, a call of the entry point, `if (require.main === module)`, a loop of those. */
  exampleUsage: boolean;
}

/** A parsed script: its top-level statements and whether the parser met a syntax error. */
export interface ParsedScript {
  /** Its top-level statements, in order. */
  statements: ScriptStatement[];
  /** The parser's syntax errors, plus top-level `return`, `break` and `continue` statements (a body's fragment). */
  syntaxErrors: number;
}

/**
 * Parse `source` as a script of `language` (syntax only, nothing runs). `entryPoint` names the
 * function whose bare calls count as example usage. `undefined` when the text is too long or
 * the parser gave up (a stack overflow on deep nesting).
 */
export function parseScript(source: string, language: 'javascript' | 'typescript', entryPoint?: string): ParsedScript | undefined {
  if (source.length > MAX_PARSED_LENGTH) return undefined;
  const ts = loadTypescript();
  let file: SourceFile;
  try {
    file = ts.createSourceFile(
      language === 'typescript' ? 'answer.ts' : 'answer.js',
      source,
      ts.ScriptTarget.Latest,
      true,
      language === 'typescript' ? ts.ScriptKind.TS : ts.ScriptKind.JS,
    );
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
  // `parseDiagnostics` is the parser's own list (what `getSyntacticDiagnostics` reads for a TS file).
  const diagnostics = (file as unknown as { parseDiagnostics?: unknown[] }).parseDiagnostics;
  if (!Array.isArray(diagnostics)) return undefined;
  const statements = file.statements.map((statement) => ({
    fullStart: statement.getFullStart(),
    start: statement.getStart(file),
    end: statement.getEnd(),
    names: declaredNames(ts, statement),
    lexical: isLexical(ts, statement),
    exampleUsage: isExampleUsage(ts, statement, file, entryPoint),
  }));
  // A top-level `return`, `break` or `continue` is a function body's statement (a fragment); the
  // parser leaves it to the checker, which never runs here, so it is counted here.
  const misplaced = file.statements.filter((statement) => ts.isReturnStatement(statement) || ts.isBreakOrContinueStatement(statement)).length;
  return { statements, syntaxErrors: diagnostics.length + misplaced };
}

function bindingNames(ts: TypescriptModule, name: import('typescript').BindingName, into: string[]): void {
  if (ts.isIdentifier(name)) {
    into.push(name.text);
    return;
  }
  for (const element of name.elements) {
    if (!ts.isOmittedExpression(element)) bindingNames(ts, element.name, into);
  }
}

function declaredNames(ts: TypescriptModule, statement: Statement): string[] {
  const names: string[] = [];
  if (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isEnumDeclaration(statement)) {
    if (statement.name) names.push(statement.name.text);
  } else if (ts.isVariableStatement(statement)) {
    for (const declaration of statement.declarationList.declarations) bindingNames(ts, declaration.name, names);
  } else if (ts.isImportDeclaration(statement)) {
    const clause = statement.importClause;
    if (clause?.name) names.push(clause.name.text);
    const bindings = clause?.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) names.push(bindings.name.text);
    if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) names.push(element.name.text);
  } else if (ts.isImportEqualsDeclaration(statement)) {
    names.push(statement.name.text);
  }
  return names;
}

function isLexical(ts: TypescriptModule, statement: Statement): boolean {
  if (ts.isVariableStatement(statement)) return (statement.declarationList.flags & ts.NodeFlags.BlockScoped) !== 0;
  return ts.isClassDeclaration(statement) || ts.isImportDeclaration(statement) || ts.isImportEqualsDeclaration(statement) || ts.isEnumDeclaration(statement);
}

/** `console.log(…)` (any `console` method) or `entryPoint(…)` as a whole statement. */
function isExampleCall(ts: TypescriptModule, node: Node, entryPoint: string | undefined): boolean {
  if (!ts.isExpressionStatement(node)) return false;
  let expression = node.expression;
  if (ts.isAwaitExpression(expression)) expression = expression.expression;
  if (!ts.isCallExpression(expression)) return false;
  const callee = expression.expression;
  if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'console') return true;
  return entryPoint !== undefined && ts.isIdentifier(callee) && callee.text === entryPoint;
}

function isExampleBody(ts: TypescriptModule, body: Statement, entryPoint: string | undefined): boolean {
  if (ts.isBlock(body)) return body.statements.length > 0 && body.statements.every((inner) => isExampleCall(ts, inner, entryPoint));
  return isExampleCall(ts, body, entryPoint);
}

function isExampleUsage(ts: TypescriptModule, statement: Statement, file: SourceFile, entryPoint: string | undefined): boolean {
  if (isExampleCall(ts, statement, entryPoint)) return true;
  if (ts.isForStatement(statement) || ts.isForOfStatement(statement) || ts.isForInStatement(statement)) {
    return isExampleBody(ts, statement.statement, entryPoint);
  }
  if (ts.isIfStatement(statement)) {
    // Node's "run when executed directly" guard, the counterpart of Python's `__main__` check.
    const condition = statement.expression.getText(file).replace(/\s+/g, '');
    return /^(require\.main===?module|module===?require\.main)$/.test(condition);
  }
  return false;
}

/** `source` without the text of `drop` (each from its leading comments to its end). */
export function removeStatements(source: string, drop: readonly ScriptStatement[]): string {
  let result = '';
  let position = 0;
  for (const statement of [...drop].sort((left, right) => left.fullStart - right.fullStart)) {
    result += source.slice(position, statement.fullStart);
    position = statement.end;
  }
  return result + source.slice(position);
}
