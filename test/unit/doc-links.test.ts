import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Every relative link in README.md and docs/*.md leads somewhere: the file exists and, with a `#fragment`, the
 * target has a heading (or an explicit `<a id>`) with that anchor. Moving a section between the README and
 * docs/ must not leave a link behind.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
const DOCS = join(ROOT, 'docs');
const FILES = [
  join(ROOT, 'README.md'),
  ...readdirSync(DOCS)
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(DOCS, name)),
];

/** The text outside fenced code blocks and code spans, where links are links. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '``');
}

/**
 * GitHub's anchor for a heading: lower case, HTML tags and punctuation dropped (letters, digits, `-` and `_`
 * stay), spaces as `-`; a repeated anchor gets `-1`, `-2`…
 */
function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  const seen = new Map<string, number>();
  const withoutCode = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const [, text] of withoutCode.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    // HTML tags are dropped outside code spans; inside one, `<key>` is text.
    const base = text!
      .split('`')
      .map((part, index) => (index % 2 === 0 ? part.replace(/<[^>]*>/g, '') : part))
      .join('')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    found.add(count === 0 ? base : `${base}-${count}`);
  }
  for (const [, id] of markdown.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) found.add(id!);
  return found;
}

/** Relative link targets in a file: `[text](target)` and `![alt](target)`, outside code. */
function relativeLinks(markdown: string): string[] {
  const targets: string[] = [];
  for (const [, target] of prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target!)) continue; // https:, mailto:…
    targets.push(target!);
  }
  return targets;
}

describe('links in README.md and docs/', () => {
  it('finds links to check (the check can see what it checks)', () => {
    const readme = relativeLinks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(readme.some((link) => link.startsWith('docs/'))).toBe(true);
    expect(readme.some((link) => link.startsWith('#'))).toBe(true);
  });

  it('computes anchors as GitHub does', () => {
    const sample = [
      '## Alert storms: one roll-up per channel, within Slack’s limits',
      '### A policy file: `FLOW_POLICY_FILE`',
      '### <a id="flow-control-modal"></a>Flow control: a form',
      '### `/flow-resume <key>`',
      '## Notes',
      '## Notes',
    ].join('\n');
    expect([...anchors(sample)]).toEqual([
      'alert-storms-one-roll-up-per-channel-within-slacks-limits',
      'a-policy-file-flow_policy_file',
      'flow-control-a-form',
      'flow-resume-key',
      'notes',
      'notes-1',
      'flow-control-modal',
    ]);
  });

  for (const file of FILES) {
    it(`${relative(ROOT, file)}: every relative link points at an existing file and heading`, () => {
      const text = readFileSync(file, 'utf8');
      const broken: string[] = [];
      for (const link of relativeLinks(text)) {
        const [path, fragment] = link.split('#', 2) as [string, string | undefined];
        const target = path === '' ? file : join(dirname(file), decodeURI(path));
        if (!existsSync(target)) {
          broken.push(`${link}: no such file`);
          continue;
        }
        if (fragment === undefined) continue;
        if (statSync(target).isDirectory() || !target.endsWith('.md')) {
          broken.push(`${link}: a fragment on something that is not a Markdown file`);
          continue;
        }
        if (!anchors(readFileSync(target, 'utf8')).has(fragment)) broken.push(`${link}: no such heading`);
      }
      expect(broken).toEqual([]);
    });
  }
});
