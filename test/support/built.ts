import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { inject } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

function assertBuilt(): void {
  if (!inject('flowbotBuilt'))
    throw new Error('dist/ could not be built (see the build output at the start of the test run).');
}

/**
 * What `npm start` runs, minus npm: node with the flags of the `start` script and the built entry (`main`),
 * which the global setup keeps up to date with the sources. Throws, saying why, when that build failed.
 */
export function startCommand(): string[] {
  assertBuilt();
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    main: string;
    scripts: { start: string };
  };
  const flags = pkg.scripts.start
    .trim()
    .split(/\s+/)
    .filter((word) => word.startsWith('--'));
  return [process.execPath, ...flags, join(root, pkg.main)];
}

/** The file URL of a built module, for a child process to import: `src/core/store/sqlite-store.ts` → dist/…js. */
export function builtModuleUrl(source: string): string {
  assertBuilt();
  return pathToFileURL(join(root, 'dist', source.replace(/\.ts$/, '.js'))).href;
}
