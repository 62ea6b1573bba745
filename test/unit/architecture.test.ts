import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * The layers' rules, checked on the source itself (docs/architecture.md says why): core is Slack-free and
 * wordless, blocks are pure builders, listeners are thin, and only the composition root sees everything.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

interface Source {
  /** Relative to src/, with forward slashes: `core/keys.ts`. */
  readonly path: string;
  readonly ast: ts.SourceFile;
  /** Every module it imports (static, dynamic, re-exports): `src/`-relative paths for its own, names for packages. */
  readonly imports: readonly string[];
  /** The same, leaving out imports of types only (they run nothing). */
  readonly valueImports: readonly string[];
}

function typeOnly(node: ts.Node): boolean {
  if (!ts.isImportDeclaration(node)) return false;
  const clause = node.importClause;
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  const bindings = clause.namedBindings;
  return (
    clause.name === undefined &&
    bindings !== undefined &&
    ts.isNamedImports(bindings) &&
    bindings.elements.every((element) => element.isTypeOnly)
  );
}

const FILES: readonly Source[] = sourceFiles(SRC).map((file) => {
  const text = readFileSync(file, 'utf8');
  const ast = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const imports: string[] = [];
  const valueImports: string[] = [];
  const visit = (node: ts.Node) => {
    let specifier: ts.Expression | undefined;
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier)
      specifier = node.moduleSpecifier;
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      specifier = node.arguments[0];
    if (specifier && ts.isStringLiteral(specifier)) {
      const name = specifier.text;
      const imported = name.startsWith('.')
        ? relative(SRC, resolve(dirname(file), name.replace(/\.js$/, '.ts'))).replaceAll('\\', '/')
        : name;
      imports.push(imported);
      if (!typeOnly(node)) valueImports.push(imported);
    }
    ts.forEachChild(node, visit);
  };
  visit(ast);
  return { path: relative(SRC, file).replaceAll('\\', '/'), ast, imports, valueImports };
});

const under = (prefix: string) => FILES.filter((file) => file.path.startsWith(prefix));

/** `file imports x` for every import matching `forbidden`. */
function violations(
  files: readonly Source[],
  forbidden: (imported: string) => boolean,
  which: 'imports' | 'valueImports' = 'imports',
): string[] {
  return files.flatMap((file) =>
    file[which].filter(forbidden).map((imported) => `${file.path} imports ${imported}`),
  );
}

describe('what each layer may import', () => {
  it('finds the source (the rules below are about something)', () => {
    expect(under('core/').length).toBeGreaterThan(30);
    expect(under('slack/listeners/').length).toBeGreaterThan(10);
    expect(under('slack/blocks/').length).toBeGreaterThan(10);
  });

  it('core imports nothing from the adapter, the composition root or config, and no Slack package', () => {
    expect(
      violations(
        under('core/'),
        (imported) =>
          imported.startsWith('slack/') ||
          imported.startsWith('app/') ||
          imported.startsWith('config/') ||
          imported.startsWith('tools/') ||
          imported.startsWith('@slack/'),
      ),
    ).toEqual([]);
  });

  it('config imports only core (its types and parsers)', () => {
    expect(
      violations(
        under('config/'),
        (imported) => /^(slack|app|tools)\//.test(imported) || imported.startsWith('@slack/'),
      ),
    ).toEqual([]);
  });

  it('blocks are pure builders: they import core and each other, never listeners or the rest of the adapter', () => {
    expect(
      violations(
        under('slack/blocks/'),
        (imported) =>
          (imported.startsWith('slack/') && !imported.startsWith('slack/blocks/')) ||
          /^(app|config|tools)\//.test(imported) ||
          (imported.startsWith('@slack/') && imported !== '@slack/types'),
      ),
    ).toEqual([]);
  });

  it('nothing but the composition root (and the entry point) imports the composition root', () => {
    expect(
      violations(
        FILES.filter((file) => !file.path.startsWith('app/') && file.path !== 'index.ts'),
        (imported) => imported.startsWith('app/'),
      ),
    ).toEqual([]);
  });

  it('nothing outside the listeners imports them, but the composition root', () => {
    expect(
      violations(
        FILES.filter((file) => !file.path.startsWith('slack/listeners/') && !file.path.startsWith('app/')),
        (imported) => imported.startsWith('slack/listeners/'),
      ),
    ).toEqual([]);
  });

  it('the front door thread loads only what it needs to acknowledge: no listeners, no core operations', () => {
    expect(
      violations(
        under('slack/front-door/'),
        (imported) =>
          imported.startsWith('slack/listeners/') ||
          imported.startsWith('core/operations/') ||
          imported.startsWith('core/store/'),
      ),
    ).toEqual([]);
  });

  it('the front door thread never loads Bolt’s App or a Slack client: Bolt’s request handling only, pinned in one place', () => {
    // Everything the thread runs, following imports that run code (not types) from its entry.
    const byPath = new Map(FILES.map((file) => [file.path, file]));
    const loaded = new Set<string>();
    const packages = new Map<string, string[]>();
    const visit = (path: string) => {
      if (loaded.has(path)) return;
      loaded.add(path);
      for (const imported of byPath.get(path)?.valueImports ?? []) {
        if (byPath.has(imported)) visit(imported);
        else if (!imported.startsWith('node:'))
          packages.set(imported, [...(packages.get(imported) ?? []), path]);
      }
    };
    visit('slack/front-door/front-door-thread.ts');
    expect(loaded.size).toBeGreaterThan(5);
    const heavy = [...packages.keys()].filter(
      (name) =>
        name === '@slack/bolt' ||
        /^@slack\/(web-api|socket-mode|oauth)/.test(name) ||
        /^(axios|got|ioredis|better-sqlite3|prom-client)/.test(name),
    );
    expect(heavy).toEqual([]);
    const deep = [...packages].filter(([name]) => name.startsWith('@slack/bolt/'));
    expect(deep.length).toBeGreaterThan(0);
    const pinned = FILES.filter((file) => file.imports.some((name) => name.startsWith('@slack/bolt/')));
    expect(pinned.map((file) => file.path)).toEqual(['slack/front-door/bolt-http.ts']);
  });
});

describe('listeners are thin: parse → build a request → call core → render', () => {
  const listeners = under('slack/listeners/');

  it('run no policy, audit, approval, rate-limit, claim or store code (types only, to name results)', () => {
    expect(
      violations(
        listeners,
        (imported) =>
          [
            'core/audit.ts',
            'core/policy/',
            'core/access/subjects.ts',
            'core/operations/approvals.ts',
            'core/operations/authorize.ts',
            'core/operations/pipeline.ts',
            'core/operations/confirmations.ts',
            'core/rate-limit.ts',
            'core/once-guard.ts',
            'core/store/',
            'core/ramp/',
          ].some((forbidden) => imported.startsWith(forbidden)),
        'valueImports',
      ),
    ).toEqual([]);
  });

  it('never set who approved a change, write an audit event or decide access themselves', () => {
    const found = listeners.flatMap((file) => {
      const text = file.ast.getFullText();
      return [/approvedBy\s*:/, /\.record\(/, /\.authorize\(/, /\.decide\(/]
        .filter((pattern) => pattern.test(text))
        .map((pattern) => `${file.path}: ${pattern}`);
    });
    expect(found).toEqual([]);
  });
});

/** Every piece of literal text in a file: strings and the text parts of templates (comments are not text). */
function literals(file: Source): { text: string; line: number }[] {
  const found: { text: string; line: number }[] = [];
  const visit = (node: ts.Node) => {
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateHead(node) ||
      ts.isTemplateMiddle(node) ||
      ts.isTemplateTail(node)
    ) {
      // Import paths are not text anyone reads.
      if (
        !(
          ts.isStringLiteral(node) &&
          (ts.isImportDeclaration(node.parent) || ts.isExportDeclaration(node.parent))
        )
      )
        found.push({
          text: node.text,
          line: file.ast.getLineAndCharacterOfPosition(node.getStart()).line + 1,
        });
    }
    ts.forEachChild(node, visit);
  };
  visit(file.ast);
  return found;
}

/** Whether the literal is an argument of a log call (`logger.warn(…, 'words')`): logs are not messages. */
function inLogCall(node: ts.Node): boolean {
  for (let at: ts.Node | undefined = node.parent; at; at = at.parent) {
    if (
      ts.isCallExpression(at) &&
      ts.isPropertyAccessExpression(at.expression) &&
      /^(trace|debug|info|warn|error|fatal)$/.test(at.expression.name.text)
    )
      return true;
    if (ts.isFunctionLike(at)) return false;
  }
  return false;
}

describe('words belong to the blocks', () => {
  it('listeners write no sentences of their own (log lines aside): the blocks say everything', () => {
    const found = under('slack/listeners/').flatMap((file) => {
      const words: string[] = [];
      const visit = (node: ts.Node) => {
        if (
          (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateHead(node)) &&
          /[A-Za-z]+ [A-Za-z]+/.test(node.text) &&
          !inLogCall(node)
        )
          words.push(`${file.path}: ${JSON.stringify(node.text.slice(0, 50))}`);
        ts.forEachChild(node, visit);
      };
      visit(file.ast);
      return words;
    });
    expect(found).toEqual([]);
  });
});

describe('words out of core', () => {
  it('core’s strings carry no Slack markup: no mentions, links, emoji codes or mrkdwn code spans', () => {
    const markup = [
      { name: 'mention or link', pattern: /<[@!#]|<https?:/ },
      // Emoji codes stand between spaces in sentences; `a:b:c` key names and ids are not words.
      { name: 'emoji code', pattern: /(^|\s):[a-z][a-z0-9_+-]*:(\s|$)/, words: true },
      { name: 'code span', pattern: /`/ },
    ];
    const found = under('core/').flatMap((file) =>
      literals(file).flatMap(({ text, line }) =>
        markup
          .filter(({ pattern, words }) => pattern.test(text) && (!words || /\s/.test(text)))
          .map(({ name }) => `${file.path}:${line} ${name}: ${JSON.stringify(text.slice(0, 60))}`),
      ),
    );
    expect(found).toEqual([]);
  });

  it('would notice markup (the check itself works)', () => {
    const file = ts.createSourceFile(
      'x.ts',
      ['const a = `Held by <@', '$', '{id}>.`; const b = ":warning: no"; const c = "use `x`";'].join(''),
      ts.ScriptTarget.Latest,
      true,
    );
    const texts = literals({ path: 'core/x.ts', ast: file, imports: [], valueImports: [] }).map(
      (l) => l.text,
    );
    expect(texts.some((text) => /<[@!#]/.test(text))).toBe(true);
    expect(texts.some((text) => /(^|\s):[a-z][a-z0-9_+-]*:(\s|$)/.test(text))).toBe(true);
    expect(texts.some((text) => text.includes('`'))).toBe(true);
  });
});
