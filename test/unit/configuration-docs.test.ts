import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'dotenv';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/config/defaults.js';
import { loadConfig } from '../../src/config/load-config.js';

/**
 * The README's configuration table and .env.example are checked against the config loader itself, so that a
 * variable added to the loader cannot be left undocumented (and a documented one cannot quietly go away).
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const example = readFileSync(join(ROOT, '.env.example'), 'utf8');

/** Per-environment variables (`QSTASH_URL_PROD`) are documented once, as `QSTASH_URL_<NAME>`. */
const TEMPLATED = /^(QSTASH_(?:URL|TOKEN))_[A-Z0-9_]+$/;
const templated = (name: string) => name.replace(TEMPLATED, '$1_<NAME>');

const VALID: Readonly<Record<string, string>> = {
  SLACK_BOT_TOKEN: 'xoxb-1111-2222-abc',
  SLACK_SIGNING_SECRET: 'ab12cd34ef56ab78cd90ef12ab34cd56',
  QSTASH_TOKEN: 'qstash-token-abc',
};

/** The names loadConfig looks up, given an environment where every variable reads as `value(name)`. */
function namesRead(value: (name: string) => string | undefined): Set<string> {
  const seen = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get(_, name) {
      if (typeof name !== 'string') return undefined;
      seen.add(name);
      return value(name);
    },
    // The loader reads own variables only (Object.hasOwn), which asks for a descriptor, not a value.
    getOwnPropertyDescriptor(_, name) {
      if (typeof name !== 'string') return undefined;
      seen.add(name);
      const found = value(name);
      return found === undefined
        ? undefined
        : { value: found, writable: true, enumerable: true, configurable: true };
    },
  });
  loadConfig(env);
  return seen;
}

/**
 * Every variable the loader reads, whichever branch reads it: with nothing set (the defaults' branches), with
 * everything set (the branches that settings turn on), and with several environments listed.
 */
function loaderVariables(): Set<string> {
  const names = new Set<string>();
  for (const read of [
    namesRead(() => undefined),
    namesRead(() => 'x'),
    namesRead((name) => (name === 'FLOW_ENVIRONMENTS' ? 'prod,staging' : 'x')),
    // Valid throughout, so that what is read only once everything checks out is seen too.
    namesRead((name) => VALID[name]),
  ]) {
    for (const name of read) names.add(templated(name));
  }
  return names;
}

/** Every TypeScript file under src/config, its sections included. */
function configFiles(dir = join(ROOT, 'src', 'config')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return configFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * Names in string literals of the config code (every section) and the keys of its table of defaults: a
 * second net, for a variable read in a branch not taken above.
 */
function literalNames(): Set<string> {
  const names = new Set<string>(Object.keys(DEFAULTS));
  for (const file of configFiles()) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/['"`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"`]/g)) names.add(match[1]!);
  }
  return names;
}

/** The README table's default column, by variable. */
function readmeDefaults(): Map<string, string> {
  const start = readme.indexOf('\n## Configuration\n');
  const end = readme.indexOf('\n#', start + 1);
  const defaults = new Map<string, string>();
  for (const line of readme.slice(start, end).split('\n')) {
    const cells = /^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|([^|]*)\|/.exec(line);
    if (cells) defaults.set(cells[1]!, cells[2]!.trim());
  }
  return defaults;
}

function readmeTable(): Set<string> {
  const start = readme.indexOf('\n## Configuration\n');
  expect(start, 'README has a Configuration section').toBeGreaterThan(0);
  const end = readme.indexOf('\n#', start + 1);
  const names = new Set<string>();
  for (const line of readme.slice(start, end).split('\n')) {
    const first = /^\|\s*([^|]+)\|/.exec(line)?.[1];
    for (const match of first?.matchAll(/`([A-Z][A-Z0-9_]*(?:<NAME>)?)`/g) ?? []) names.add(match[1]!);
  }
  return names;
}

function exampleNames(): Set<string> {
  const names = new Set<string>();
  for (const match of example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)) names.add(templated(match[1]!));
  return names;
}

const sorted = (names: Iterable<string>) => [...names].sort();

describe('configuration documentation', () => {
  const loader = loaderVariables();

  it('finds the variables the loader reads (the check can see what it checks)', () => {
    for (const name of [
      'SLACK_BOT_TOKEN',
      'QSTASH_TOKEN',
      'QSTASH_TOKEN_<NAME>',
      'FLOW_WATCH_CHANNEL',
      'LOG_LEVEL',
    ])
      expect(loader).toContain(name);
    for (const name of literalNames())
      expect(loader, `${name} appears in src/config but is never read`).toContain(name);
  });

  it('reads every section: a variable from each of src/config/sections/* is seen', () => {
    const sections = configFiles().filter((file) => file.includes(`${join('config', 'sections')}`));
    expect(sections.length).toBeGreaterThan(0);
    for (const file of sections) {
      const text = readFileSync(file, 'utf8');
      const named = [...text.matchAll(/['"`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)['"`]/g)].map((m) => m[1]!);
      if (!/env\.(read|required)\(/.test(text)) continue;
      expect(named.length, `${file} reads variables by name`).toBeGreaterThan(0);
      for (const name of named) expect(loader, `${name} (${file})`).toContain(templated(name));
    }
  });

  it('gives every default from the loader’s table, as written in .env, in the README and .env.example', () => {
    const table = readmeDefaults();
    for (const [name, value] of Object.entries(DEFAULTS)) {
      expect(table.get(name), `README default of ${name}`).toBe(`\`${value}\``);
      expect(example, `.env.example default of ${name}`).toMatch(
        new RegExp(`^#?\\s*${name}=${value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`, 'm'),
      );
    }
  });

  it('lists every variable the loader reads in the README configuration table, and no other', () => {
    expect(sorted(readmeTable())).toEqual(sorted(loader));
  });

  it('lists every variable the loader reads in .env.example, and no other', () => {
    expect(sorted(exampleNames())).toEqual(sorted(loader));
  });

  it('names the single environment `default` where it explains QStash settings', () => {
    expect(readme).toMatch(/called \*\*`default`\*\*/);
    expect(example).toMatch(/environment called `default`/);
  });
});

describe('.env.example as copied', () => {
  const copied = parse(example);

  it('has no placeholder values: a value is either empty (fill it in) or a working default', () => {
    for (const [name, value] of Object.entries(copied)) {
      if (value === '') continue;
      const alone = loadConfig({
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_APP_TOKEN: 'xapp-1',
        QSTASH_TOKEN: 'q',
        [name]: value,
      });
      expect(alone.kind === 'ok', `${name}=${value} is not accepted as it stands`).toBe(true);
    }
  });

  it('asks only for what is missing when nothing is filled in', () => {
    const loaded = loadConfig(copied);
    expect(loaded.kind === 'ok').toBe(false);
    if (loaded.kind === 'ok') return;
    for (const problem of loaded.problems) expect(problem).toMatch(/^[A-Z_]+ is missing: /);
  });

  it('starts in Socket Mode with the values the README says to fill in, signing secret left as it is', () => {
    const loaded = loadConfig({
      ...copied,
      SLACK_BOT_TOKEN: 'xoxb-1111-2222-abc',
      SLACK_APP_TOKEN: 'xapp-1-A111-222-abc',
      QSTASH_TOKEN: 'qstash-token-abc',
      FLOW_ALLOWED_USERS: 'U0123ABCD',
    });
    expect(loaded.kind === 'ok' ? [] : loaded.problems).toEqual([]);
    expect(loaded.kind === 'ok' && loaded.config.slack.appToken).toBe('xapp-1-A111-222-abc');
  });

  it('starts in HTTP mode with the signing secret filled in instead of the app token', () => {
    const loaded = loadConfig({
      ...copied,
      SLACK_BOT_TOKEN: 'xoxb-1111-2222-abc',
      SLACK_SIGNING_SECRET: 'ab12cd34ef56ab78cd90ef12ab34cd56',
      QSTASH_TOKEN: 'qstash-token-abc',
      FLOW_ALLOWED_USERS: 'U0123ABCD',
    });
    expect(loaded.kind === 'ok' ? [] : loaded.problems).toEqual([]);
    expect(loaded.kind === 'ok' && loaded.config.slack.appToken).toBeUndefined();
  });
});
