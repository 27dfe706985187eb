/**
 * Finds every error code locflow can raise by reading the source with the
 * TypeScript parser rather than by grepping, so that codes passed through
 * helpers (`bad(message, 'glossary-unsafe-xml')`, `semantic(code, …)`) and
 * split over several lines are found too. A code the parser cannot pin down
 * to a string literal is reported as unresolved, so a new indirection makes
 * the parity test fail instead of silently escaping it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export const SOURCE_DIRS = ['pipeline', 'providers', 'glossary', 'workers', 'server', 'cli'];
/** Classes whose first constructor argument is the code. */
const ERROR_CLASSES = new Set(['LocflowError', 'InputError', 'GlossaryError']);
/** The family itself, in pipeline/errors.ts: its `super()` calls forward codes made elsewhere. */
const FAMILY = new Set([...ERROR_CLASSES, 'ProviderError']);

export interface CodeUse {
  code: string;
  file: string;
  line: number;
}

export interface ScanResult {
  codes: CodeUse[];
  /** Places where a code is computed and cannot be read from the source. */
  unresolved: { file: string; line: number; text: string }[];
}

function sourceFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'web') walk(path);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
    }
  };
  for (const dir of SOURCE_DIRS) walk(join(root, dir));
  return out;
}

const literal = (node: ts.Node | undefined): string | undefined =>
  node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;

/** The failure reasons of `ProviderError`, read from the `ProviderFailure` union. */
export function providerReasons(root: string): string[] {
  const file = ts.createSourceFile('errors.ts', readFileSync(join(root, 'pipeline/errors.ts'), 'utf8'), ts.ScriptTarget.Latest, true);
  const reasons: string[] = [];
  file.forEachChild((node) => {
    if (ts.isTypeAliasDeclaration(node) && node.name.text === 'ProviderFailure' && ts.isUnionTypeNode(node.type)) {
      for (const member of node.type.types) {
        if (ts.isLiteralTypeNode(member) && ts.isStringLiteral(member.literal)) reasons.push(member.literal.text);
      }
    }
  });
  return reasons;
}

/** Name of the function (declaration or `const f = (…) =>`) that encloses `node`, and the function node. */
function enclosingFunction(node: ts.Node): { name: string; fn: ts.SignatureDeclaration } | undefined {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (ts.isFunctionDeclaration(n) && n.name) return { name: n.name.text, fn: n };
    if ((ts.isArrowFunction(n) || ts.isFunctionExpression(n)) && ts.isVariableDeclaration(n.parent) && ts.isIdentifier(n.parent.name)) {
      return { name: n.parent.name.text, fn: n };
    }
    if (ts.isFunctionLike(n)) return undefined;
  }
  return undefined;
}

export function scanErrorCodes(root: string): ScanResult {
  const codes: CodeUse[] = [];
  const unresolved: ScanResult['unresolved'] = [];
  const files = sourceFiles(root).map((path) => ({ path, sf: ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true) }));
  // A subclass without its own constructor takes the code first too: `class Mine extends InputError {}`.
  const codeFirst = new Set(ERROR_CLASSES);
  for (let grew = true; grew; ) {
    grew = false;
    for (const { sf } of files) {
      sf.forEachChild((node) => {
        if (!ts.isClassDeclaration(node) || !node.name || codeFirst.has(node.name.text)) return;
        const base = node.heritageClauses?.[0]?.types[0]?.expression.getText(sf);
        if (base && codeFirst.has(base) && !node.members.some(ts.isConstructorDeclaration)) {
          codeFirst.add(node.name.text);
          grew = true;
        }
      });
    }
  }
  for (const { path, sf } of files) {
    const file = relative(root, path);
    const lineOf = (node: ts.Node) => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    const add = (code: string, node: ts.Node) => codes.push({ code, file, line: lineOf(node) });
    /** Helpers that forward one of their parameters as the code: name → parameter index. */
    const forwarders = new Map<string, number>();
    const calls: ts.CallExpression[] = [];

    /** Resolves the code argument `arg`; a parameter of a helper makes that helper a forwarder. */
    const resolve = (arg: ts.Expression | undefined, at: ts.Node) => {
      const text = literal(arg);
      if (text !== undefined) return add(text, at);
      if (arg && ts.isIdentifier(arg)) {
        const owner = enclosingFunction(at);
        const index = owner?.fn.parameters.findIndex((p) => ts.isIdentifier(p.name) && p.name.text === arg.text) ?? -1;
        if (owner && index >= 0) {
          forwarders.set(owner.name, index);
          const fallback = literal(owner.fn.parameters[index]!.initializer);
          if (fallback !== undefined) add(fallback, owner.fn.parameters[index]!);
          return;
        }
      }
      unresolved.push({ file, line: lineOf(at), text: (arg ?? at).getText(sf).slice(0, 80) });
    };

    const visit = (node: ts.Node) => {
      if (ts.isNewExpression(node) && ts.isIdentifier(node.expression)) {
        const cls = node.expression.text;
        if (codeFirst.has(cls)) resolve(node.arguments?.[0], node);
        // ProviderError codes are `provider-<reason>`; every reason is required separately.
      }
      if (ts.isCallExpression(node)) {
        calls.push(node);
        // `class RedisUnavailableError extends LocflowError { constructor(…) { super('redis-unavailable', …) } }`
        if (node.expression.kind === ts.SyntaxKind.SuperKeyword) {
          let cls: ts.Node | undefined = node.parent;
          while (cls && !ts.isClassLike(cls)) cls = cls.parent;
          const base = cls && ts.isClassLike(cls) ? cls.heritageClauses?.[0]?.types[0]?.expression.getText(sf) : undefined;
          const name = cls && ts.isClassLike(cls) ? cls.name?.text : undefined;
          if (base && FAMILY.has(base) && !(name && FAMILY.has(name))) resolve(node.arguments[0], node);
        }
        if (ts.isIdentifier(node.expression) && node.expression.text === 'sendError') resolve(node.arguments[2], node);
      }
      // `{ code: 'xliff-empty-target', text: … }`, `{ code: 'unauthorized', message: … }`
      // zod's `ctx.addIssue({ code: 'custom', … })` carries zod's own issue kind, not one of ours.
      const zodIssue = (n: ts.Node) => ts.isCallExpression(n.parent) && ts.isPropertyAccessExpression(n.parent.expression) && n.parent.expression.name.text === 'addIssue';
      if (ts.isObjectLiteralExpression(node) && !zodIssue(node)) {
        const names = node.properties.map((p) => (p.name && ts.isIdentifier(p.name) ? p.name.text : ''));
        if (names.includes('code') && (names.includes('message') || names.includes('text'))) {
          const prop = node.properties.find((p) => p.name && ts.isIdentifier(p.name) && p.name.text === 'code');
          if (prop && ts.isPropertyAssignment(prop) && literal(prop.initializer) !== undefined) add(literal(prop.initializer)!, prop);
        }
      }
      node.forEachChild(visit);
    };
    visit(sf);

    // Helpers can forward to helpers (`fail` → `semantic` → `new InputError`): follow until nothing new.
    const seen = new Set<ts.CallExpression>();
    for (let grew = true; grew; ) {
      grew = false;
      for (const call of calls) {
        if (seen.has(call) || !ts.isIdentifier(call.expression)) continue;
        const index = forwarders.get(call.expression.text);
        if (index === undefined) continue;
        seen.add(call);
        const before = forwarders.size;
        const arg = call.arguments[index];
        // Omitted: the helper's default applies, already counted.
        if (arg !== undefined) resolve(arg, call);
        if (forwarders.size !== before) grew = true;
      }
    }
  }
  return { codes, unresolved };
}
