import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The policy the README shows under "A policy file", as a newcomer copies it. */
export function readmeExamplePolicy(): string {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  const section = readme.slice(readme.indexOf('### A policy file'));
  const match = /```yaml\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error('README has no example policy');
  return match[1];
}
