/**
 * Text as Slack sends it, turned back into what the person typed. Slack escapes `&`, `<` and `>` in typed
 * text as `&amp;`, `&lt;` and `&gt;`, and (with a command's "Escape channels, users, and links" option, or
 * its own auto-linking of domains and e-mail addresses) wraps words in markup: `<http://x.example|x.example>`,
 * `<mailto:a@b.example|a@b.example>`, `<@U123|name>`, `<#C123|name>`, `<!subteam^S123|@team>`, `<!here>`.
 * Every `<` left in what Slack sends is therefore markup, and every literal `<` the person typed is `&lt;`.
 *
 * Source: Slack's "Formatting text for app surfaces" (escaping, and how mentions and links are sent) and
 * slash command docs ("Escape channels, users, and links"); `reference/slack-facts.md`, "Text as Slack sends
 * it". Decoded once, where text enters Flowbot; what leaves is escaped once by the blocks.
 */

const ENTITIES: ReadonlyMap<string, string> = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
]);

/** One pass: a piece of markup, or one of the three entities. Markup never nests (its `<`s are escaped). */
const SLACK_TEXT = /<([^<>]*)>|&(amp|lt|gt);/g;

function decodeEntities(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (_whole, name: string) => ENTITIES.get(name) ?? '');
}

/** The special mentions Slack writes as `<!name>`; shown as the `@name` a person types. */
const SPECIAL_MENTIONS = new Set(['here', 'channel', 'everyone']);

/**
 * What one piece of markup (the text between `<` and `>`) stood for when it was typed: its label when it
 * has one (Slack's own rendering of it), else the mention or link itself as a person would write it.
 */
function unwrap(inner: string): string {
  const bar = inner.indexOf('|');
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? undefined : decodeEntities(inner.slice(bar + 1));
  // Users and channels are labelled with their bare name (`<@U123|steve>`): the person typed `@steve`.
  const group = /^!subteam\^/.test(target);
  const sigil = target.startsWith('@') || group ? '@' : target.startsWith('#') ? '#' : '';
  if (target.startsWith('!')) {
    const name = target.slice(1).split('^')[0] ?? '';
    if (SPECIAL_MENTIONS.has(name)) return `@${name}`;
    if (label === undefined || label === '') {
      const subteam = /^subteam\^([A-Z0-9]+)$/.exec(target.slice(1));
      return `@${subteam ? subteam[1] : name}`;
    }
  }
  if (label !== undefined && label !== '')
    return sigil !== '' && !label.startsWith(sigil) ? `${sigil}${label}` : label;
  if (sigil !== '') return target;
  // A link without a label: auto-linked text is shown as the link itself, mailto: as the address.
  const link = decodeEntities(target);
  return link.startsWith('mailto:') ? link.slice('mailto:'.length) : link;
}

/**
 * Slack's encoding of typed text undone: the three entities decoded and every piece of markup replaced by
 * what the person typed (see the module comment). Text that holds no markup and no entity is returned as it
 * is; a stray `&` that starts no entity stays an `&`. Never throws.
 */
export function decodeSlackText(text: string): string {
  return text.replace(SLACK_TEXT, (_whole, inner: string | undefined, entity: string | undefined) =>
    inner !== undefined ? unwrap(inner) : (ENTITIES.get(entity ?? '') ?? ''),
  );
}
