import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * No Docker engine runs where the tests do, so the image is checked by reading the Dockerfile: what it copies
 * exists, what it runs is what `npm start` runs, and it runs that as a non-root user with a health check.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  main?: string;
  dependencies?: Record<string, string>;
  engines?: { node?: string };
  scripts: Record<string, string>;
};
const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as {
  compilerOptions: { outDir?: string };
};

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

interface Stage {
  readonly name: string | undefined;
  readonly image: string;
  readonly instructions: Instruction[];
}

/** Logical lines: comments dropped, backslash continuations joined (the default escape character). */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const space = full.search(/\s/);
    out.push({ keyword: full.slice(0, space).toUpperCase(), args: full.slice(space + 1).trim() });
  }
  return out;
}

const all = instructions(dockerfile);
const args = new Map<string, string>();
for (const instruction of all) {
  if (instruction.keyword !== 'ARG') continue;
  const [name, value] = instruction.args.split('=');
  if (name && value !== undefined) args.set(name, value);
}
const expand = (text: string) => text.replace(/\$\{?(\w+)\}?/g, (_, name: string) => args.get(name) ?? '');

const stages: Stage[] = [];
for (const instruction of all) {
  if (instruction.keyword === 'FROM') {
    const [image, as, name] = instruction.args.split(/\s+/);
    stages.push({
      image: expand(image ?? ''),
      name: as?.toUpperCase() === 'AS' ? name : undefined,
      instructions: [],
    });
  } else stages.at(-1)?.instructions.push(instruction);
}
const runtime = stages.at(-1)!;

/** A stage with everything it inherits from the stages it is built FROM. */
function lineage(stage: Stage): Stage[] {
  const parent = stages.find((s) => s.name !== undefined && s.name === stage.image);
  return parent ? [...lineage(parent), stage] : [stage];
}
const inherited = (stage: Stage, keyword: string) =>
  lineage(stage).flatMap((s) => s.instructions.filter((i) => i.keyword === keyword));
const lastOf = (stage: Stage, keyword: string) => inherited(stage, keyword).at(-1);

function execForm(text: string): string[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) {
    throw new Error(`not an exec-form array: ${text}`);
  }
  return parsed;
}

interface Copy {
  readonly from: string | undefined;
  readonly sources: string[];
  readonly destination: string;
}

function parseCopy(instruction: Instruction): Copy {
  const words = instruction.args.split(/\s+/);
  let from: string | undefined;
  const rest: string[] = [];
  for (const word of words) {
    if (word.startsWith('--from=')) from = word.slice('--from='.length);
    else if (!word.startsWith('--')) rest.push(word);
  }
  return { from, sources: rest.slice(0, -1), destination: rest.at(-1) ?? '' };
}

function workdir(stage: Stage): string {
  return lastOf(stage, 'WORKDIR')?.args ?? '/';
}

const ignored = dockerignore
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('!'));

/** Packages the shipped code loads at run time (type-only imports vanish in the build). */
function runtimeImports(
  dir: string,
  found = new Map<string, string>(),
  excluded: readonly string[] = [],
): Map<string, string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (excluded.includes(path.slice(ROOT.length + 1))) continue;
    if (entry.isDirectory()) runtimeImports(path, found, excluded);
    else if (entry.name.endsWith('.ts')) {
      const text = readFileSync(path, 'utf8');
      const specifiers = [
        ...[...text.matchAll(/(?:^|\n)\s*(?:import|export)\s+(type\s+)?[^;]*?\sfrom\s+['"]([^'"]+)['"]/g)]
          .filter((match) => match[1] === undefined)
          .map((match) => match[2]!),
        ...[...text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)].map((match) => match[1]!),
        ...[...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)].map((match) => match[1]!),
      ];
      for (const specifier of specifiers) {
        if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
        const parts = specifier.split('/');
        const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
        if (!found.has(name)) found.set(name, path.slice(ROOT.length + 1));
      }
    }
  }
  return found;
}

describe('Dockerfile', () => {
  it('builds in stages and has a separate runtime stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(runtime.name).toBeDefined();
  });

  it('uses the Node.js major version that package.json engines.node names, on every stage', () => {
    const major = /(\d+)/.exec(pkg.engines?.node ?? '')?.[1];
    expect(major).toBeDefined();
    for (const stage of stages) {
      if (stages.some((s) => s.name === stage.image)) continue;
      expect(stage.image).toMatch(new RegExp(`^node:${major}(?:[.-]|$)`));
      expect(stage.image).toContain('slim');
    }
  });

  it('copies only files that exist in the build context and are not excluded by .dockerignore', () => {
    const copies = stages.flatMap((stage) =>
      stage.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD').map(parseCopy),
    );
    const fromContext = copies.filter((copy) => copy.from === undefined);
    expect(fromContext.length).toBeGreaterThan(0);
    for (const copy of fromContext) {
      for (const source of copy.sources) {
        const path = posix.normalize(source.replace(/^\.\//, ''));
        expect(path.startsWith('..'), `${source} is outside the build context`).toBe(false);
        expect(existsSync(join(ROOT, path)), `COPY ${source}: no such file in the repository`).toBe(true);
        const top = path.split('/')[0];
        expect(ignored, `COPY ${source} is excluded by .dockerignore`).not.toContain(top);
        expect(ignored).not.toContain(path);
      }
    }
  });

  it('copies from earlier stages only what those stages produce', () => {
    const names = stages.map((stage) => stage.name);
    for (const [index, stage] of stages.entries()) {
      for (const instruction of stage.instructions.filter((i) => i.keyword === 'COPY')) {
        const copy = parseCopy(instruction);
        if (copy.from === undefined) continue;
        const source = stages.find((s) => s.name === copy.from);
        expect(source, `COPY --from=${copy.from}: no such stage`).toBeDefined();
        expect(names.indexOf(copy.from), 'a stage copies only from stages defined before it').toBeLessThan(
          index,
        );
        const runs = inherited(source!, 'RUN').map((i) => i.args);
        for (const path of copy.sources) {
          const relative = posix.relative(workdir(source!), path);
          if (relative === 'node_modules') expect(runs.some((run) => /\bnpm ci\b/.test(run))).toBe(true);
          else if (relative === (tsconfig.compilerOptions.outDir ?? 'dist')) {
            expect(runs.some((run) => /\bnpm run build\b/.test(run))).toBe(true);
          } else
            throw new Error(`COPY --from=${copy.from} ${path}: not something that stage is known to produce`);
        }
      }
    }
  });

  it('runs what `npm start` runs, minus its build check: node with the same flags on the bundle', () => {
    // `exec` only replaces npm's shell with node (so npm's signals reach it); Docker runs node itself.
    const start = (pkg.scripts.start?.trim().split(/\s+/) ?? []).filter((word) => word !== 'exec');
    const cmd = lastOf(runtime, 'CMD');
    expect(cmd).toBeDefined();
    // `npm start` runs scripts/start.mjs, which checks the build and then imports `main` in the same process.
    expect(start.at(-1)).toBe('scripts/start.mjs');
    expect(execForm(cmd!.args)).toEqual([...start.slice(0, -1), pkg.main]);
    const entry = pkg.main ?? '';
    const outDir = tsconfig.compilerOptions.outDir ?? 'dist';
    expect(entry.startsWith(`${outDir}/`)).toBe(true);
    // The built entry must land where CMD looks for it, next to the package.json that marks it as ESM.
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY').map(parseCopy);
    const dist = copies.find((copy) => copy.sources.some((source) => source.endsWith(`/${outDir}`)));
    expect(dist).toBeDefined();
    expect(posix.resolve(workdir(runtime), dist!.destination)).toBe(posix.join(workdir(runtime), outDir));
    expect(copies.some((copy) => copy.from === undefined && copy.sources.includes('package.json'))).toBe(
      true,
    );
  });

  it('gives the runtime production dependencies only', () => {
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY').map(parseCopy);
    const modules = copies.find((copy) => copy.sources.some((source) => source.endsWith('/node_modules')));
    expect(modules?.from).toBeDefined();
    const depsStage = stages.find((stage) => stage.name === modules!.from)!;
    const installs = inherited(depsStage, 'RUN').filter((i) => /\bnpm (ci|install)\b/.test(i.args));
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install.args).toMatch(/--omit=dev\b/);
    expect(inherited(runtime, 'RUN').some((i) => /\bnpm (ci|install)\b/.test(i.args))).toBe(false);
  });

  it('ships code that loads only production dependencies (the rest are omitted from the image)', () => {
    const production = new Set(Object.keys(pkg.dependencies ?? {}));
    // Everything the build compiles into the image (tsconfig.build.json): src/ and the scripts it runs.
    const build = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
      include: string[];
      exclude?: string[];
    };
    const imports = new Map<string, string>();
    for (const dir of build.include) runtimeImports(join(ROOT, dir), imports, build.exclude ?? []);
    expect(imports.size).toBeGreaterThan(0);
    expect(build.include).toContain('scripts');
    for (const [name, file] of imports) {
      expect(production.has(name), `${file} imports ${name}, which is not in dependencies`).toBe(true);
    }
  });

  it('can run `npm run alert` (and its pre-script) with what the image holds: node and copied files only', () => {
    const outDir = tsconfig.compilerOptions.outDir ?? 'dist';
    const copies = runtime.instructions.filter((i) => i.keyword === 'COPY').map(parseCopy);
    const copied = copies.flatMap((copy) =>
      copy.sources.map((source) => {
        const destination = posix.resolve(workdir(runtime), copy.destination);
        const name = copy.destination.endsWith('/') ? posix.basename(source) : '';
        return posix.relative(workdir(runtime), posix.join(destination, name));
      }),
    );
    for (const name of ['prealert', 'alert']) {
      const words = (pkg.scripts[name] ?? '').trim().split(/\s+/);
      expect(words[0], `${name}: ${pkg.scripts[name]}`).toBe('node');
      for (const file of words.filter((word) => /\.(m?js|ts)$/.test(word))) {
        const present =
          file.startsWith(`${outDir}/`) ||
          copied.some((path) => path === file || file.startsWith(`${path}/`));
        expect(present, `${name} runs ${file}, which the runtime image does not hold`).toBe(true);
        expect(file.endsWith('.ts'), `${name} runs TypeScript, which needs a dev dependency`).toBe(false);
      }
    }
  });

  it('runs as a non-root user, in production mode, with its data on a volume', () => {
    const user = lastOf(runtime, 'USER')?.args;
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    const env = inherited(runtime, 'ENV')
      .map((i) => i.args)
      .join(' ');
    expect(env).toMatch(/\bNODE_ENV=production\b/);
    expect(env).toMatch(/\bFLOW_DATA_DIR=\/app\/data\b/);
    expect(lastOf(runtime, 'VOLUME')?.args).toBe('/app/data');
    expect(lastOf(runtime, 'EXPOSE')?.args).toBe('3000');
  });

  it('checks health on /healthz with Node itself (slim images have no curl)', () => {
    const check = lastOf(runtime, 'HEALTHCHECK')?.args ?? '';
    const command = execForm(check.slice(check.indexOf('CMD') + 'CMD'.length).trim());
    expect(command[0]).toBe('node');
    expect(command.join(' ')).toContain('/healthz');
    expect(command.join(' ')).not.toMatch(/\b(curl|wget)\b/);
  });

  it('compiles the native addon in the stages that install dependencies', () => {
    for (const stage of stages) {
      const runs = inherited(stage, 'RUN').map((i) => i.args);
      if (!runs.some((run) => /\bnpm ci\b/.test(run))) continue;
      const toolchain = runs.find((run) => run.includes('apt-get install'));
      expect(toolchain, `stage ${stage.name} installs dependencies without a toolchain`).toBeDefined();
      for (const tool of ['python3', 'make', 'g++']) expect(toolchain).toContain(tool);
    }
    expect(inherited(runtime, 'RUN').some((run) => run.args.includes('apt-get install'))).toBe(false);
  });

  it('keeps secrets, local state and host builds out of the build context', () => {
    for (const entry of ['.env', 'node_modules', 'data', 'dist', '.git']) expect(ignored).toContain(entry);
    expect(dockerignore).toContain('!.env.example');
  });
});
