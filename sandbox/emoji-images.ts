import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/**
 * The emoji pictures the page shows instead of emoji characters (a machine without an emoji font would show
 * empty boxes): Twemoji (by Twitter, CC BY 4.0, https://github.com/jdecked/twemoji), from the Iconify set
 * `@iconify-json/twemoji`, read once when a picture is first asked for.
 */
export interface EmojiImages {
  /** The SVG of an emoji by its id (code points in hex joined by `-`, no U+FE0F), or undefined. */
  svg(id: string): Promise<string | undefined>;
}

interface IconSet {
  readonly icons: Record<string, { readonly body: string }>;
  readonly width?: number;
  readonly height?: number;
}

const ID = /^[0-9a-f]{2,6}(?:-[0-9a-f]{2,6}){0,9}$/;

export function emojiImages(): EmojiImages {
  let loaded: Promise<{ set: IconSet; chars: Record<string, string> }> | undefined;
  const load = () => {
    const resolve = createRequire(import.meta.url).resolve;
    loaded ??= Promise.all([
      readFile(resolve('@iconify-json/twemoji/icons.json'), 'utf8'),
      readFile(resolve('@iconify-json/twemoji/chars.json'), 'utf8'),
    ]).then(([icons, chars]) => ({ set: JSON.parse(icons) as IconSet, chars: JSON.parse(chars) }));
    return loaded;
  };
  return {
    async svg(id) {
      if (!ID.test(id)) return undefined;
      const { set, chars } = await load();
      const name = Object.hasOwn(chars, id) ? chars[id] : undefined;
      const icon = name !== undefined && Object.hasOwn(set.icons, name) ? set.icons[name] : undefined;
      if (icon === undefined) return undefined;
      const width = set.width ?? 16;
      const height = set.height ?? 16;
      return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${icon.body}</svg>`;
    },
  };
}
