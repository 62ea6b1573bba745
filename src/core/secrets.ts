/**
 * Keeping secrets (tokens, signing secrets, passwords) out of text that leaves the process: log lines, and
 * words from other services that are shown to people. A secret can appear in other spellings than its
 * own: percent-encoded in a URL (either case of hex, `encodeURIComponent` or `encodeURI`, `+` for a space,
 * encoded twice), JSON-escaped (`\u0078`, `\/`, `\"`), inside a JSON text that was itself logged as a
 * string (every backslash doubled), and in base64 or base64url, alone or inside a longer base64 text such
 * as the `Authorization: Basic` value of `user:secret`. All of them are found and replaced here.
 *
 * How: the text is read in a few decoded views (as it is; JSON escapes undone up to three times, for JSON
 * inside JSON inside a line; percent escapes undone once and twice, on each of those), each a byte string that remembers which stretch of
 * the original text every byte came from. Every form of every secret is searched for in every view, and
 * the stretches of the original that spell it are replaced. Views are built only when the text has
 * escapes at all, so ordinary lines cost one substring search per form.
 */

export const REDACTED = '[REDACTED]';

/** Secrets shorter than this are not looked for in base64: their few characters would match anywhere. */
const MIN_BASE64_CORE = 8;

/**
 * The part of the base64 of `secret` that does not depend on what surrounds it, for each of the three
 * alignments it can have inside a longer base64 text (`user:secret` has it at offset `user:`.length): the
 * characters whose six bits all come from the secret's bytes, in the standard and the URL alphabet.
 */
export function base64Cores(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const cores = new Set<string>();
  for (let offset = 0; offset < 3; offset += 1) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const core = encoded.slice(Math.ceil((4 * offset) / 3), Math.floor((4 * (offset + bytes.length)) / 3));
    if (core.length < MIN_BASE64_CORE) continue;
    cores.add(core);
    cores.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...cores];
}

/** Bytes, each knowing the stretch [from, to) of the original text it was decoded from. */
interface View {
  readonly bytes: Buffer;
  readonly from: Int32Array;
  readonly to: Int32Array;
}

const BACKSLASH = 0x5c;
const PERCENT = 0x25;

/** The original text as UTF-8, byte by byte (a lone surrogate as U+FFFD, as Buffer.from writes it). */
function textView(text: string): View {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the range is ASCII itself, controls included.
  if (/^[\x00-\x7f]*$/.test(text)) {
    const from = new Int32Array(text.length);
    const to = new Int32Array(text.length);
    for (let index = 0; index < text.length; index += 1) {
      from[index] = index;
      to[index] = index + 1;
    }
    return { bytes: Buffer.from(text, 'latin1'), from, to };
  }
  const bytes = Buffer.from(text, 'utf8');
  const from = new Int32Array(bytes.length);
  const to = new Int32Array(bytes.length);
  let at = 0;
  for (let index = 0; index < text.length; ) {
    const code = text.codePointAt(index) ?? 0;
    const units = code > 0xffff ? 2 : 1;
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    for (let byte = 0; byte < size; byte += 1) {
      from[at] = index;
      to[at] = index + units;
      at += 1;
    }
    index += units;
  }
  return { bytes, from, to };
}

/** Collects decoded bytes with their origins; decoding never makes a view longer than its input. */
class ViewBuilder {
  private readonly bytes: Buffer;
  private readonly from: Int32Array;
  private readonly to: Int32Array;
  private length = 0;

  constructor(capacity: number) {
    this.bytes = Buffer.alloc(capacity);
    this.from = new Int32Array(capacity);
    this.to = new Int32Array(capacity);
  }

  push(byte: number, from: number, to: number): void {
    this.bytes[this.length] = byte;
    this.from[this.length] = from;
    this.to[this.length] = to;
    this.length += 1;
  }

  /** One code point as UTF-8 (a lone surrogate as U+FFFD, like Buffer.from). */
  pushCodePoint(code: number, from: number, to: number): void {
    const point = code >= 0xd800 && code <= 0xdfff ? 0xfffd : code;
    if (point < 0x80) this.push(point, from, to);
    else if (point < 0x800) {
      this.push(0xc0 | (point >> 6), from, to);
      this.push(0x80 | (point & 0x3f), from, to);
    } else if (point < 0x10000) {
      this.push(0xe0 | (point >> 12), from, to);
      this.push(0x80 | ((point >> 6) & 0x3f), from, to);
      this.push(0x80 | (point & 0x3f), from, to);
    } else {
      this.push(0xf0 | (point >> 18), from, to);
      this.push(0x80 | ((point >> 12) & 0x3f), from, to);
      this.push(0x80 | ((point >> 6) & 0x3f), from, to);
      this.push(0x80 | (point & 0x3f), from, to);
    }
  }

  build(): View {
    return {
      bytes: this.bytes.subarray(0, this.length),
      from: this.from.subarray(0, this.length),
      to: this.to.subarray(0, this.length),
    };
  }
}

function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  return -1;
}

function hexNumber(bytes: Buffer, at: number, digits: number): number {
  let value = 0;
  for (let i = 0; i < digits; i += 1) {
    const digit = hexValue(bytes[at + i]);
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/** `%XX` undone, in either case of hex; anything else kept as it is. */
function percentDecoded(view: View): View {
  const { bytes, from, to } = view;
  const out = new ViewBuilder(bytes.length);
  for (let i = 0; i < bytes.length; i += 1) {
    const value = bytes[i] === PERCENT ? hexNumber(bytes, i + 1, 2) : -1;
    if (value >= 0) {
      out.push(value, from[i] ?? 0, to[i + 2] ?? 0);
      i += 2;
    } else out.push(bytes[i] ?? 0, from[i] ?? 0, to[i] ?? 0);
  }
  return out.build();
}

const SHORT_ESCAPES = new Map<number, number>([
  [0x22, 0x22], // \"
  [0x5c, 0x5c], // \\
  [0x2f, 0x2f], // \/
  [0x62, 0x08], // \b
  [0x66, 0x0c], // \f
  [0x6e, 0x0a], // \n
  [0x72, 0x0d], // \r
  [0x74, 0x09], // \t
]);

/** JSON string escapes undone once (`\u0078`, surrogate pairs, `\/`, `\"`, `\\`, `\n`…). */
function jsonUnescaped(view: View): View {
  const { bytes, from, to } = view;
  const out = new ViewBuilder(bytes.length);
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i] ?? 0;
    if (byte !== BACKSLASH) {
      out.push(byte, from[i] ?? 0, to[i] ?? 0);
      continue;
    }
    const next = bytes[i + 1];
    const short = next === undefined ? undefined : SHORT_ESCAPES.get(next);
    if (short !== undefined) {
      out.push(short, from[i] ?? 0, to[i + 1] ?? 0);
      i += 1;
      continue;
    }
    const unit = next === 0x75 ? hexNumber(bytes, i + 2, 4) : -1;
    if (unit < 0) {
      out.push(byte, from[i] ?? 0, to[i] ?? 0);
      continue;
    }
    let code = unit;
    let last = i + 5;
    if (unit >= 0xd800 && unit <= 0xdbff && bytes[i + 6] === BACKSLASH && bytes[i + 7] === 0x75) {
      const low = hexNumber(bytes, i + 8, 4);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
        last = i + 11;
      }
    }
    out.pushCodePoint(code, from[i] ?? 0, to[last] ?? 0);
    i = last;
  }
  return out.build();
}

/** The decoded views of a text: JSON escapes undone up to three times, percent escapes once and twice. */
function decodedViews(text: string): View[] {
  const raw = textView(text);
  const views: View[] = [];
  const unescaped: View[] = [raw];
  let current = raw;
  for (let round = 0; round < 3 && current.bytes.includes(BACKSLASH); round += 1) {
    current = jsonUnescaped(current);
    views.push(current);
    unescaped.push(current);
  }
  for (const base of unescaped) {
    let decoded = base;
    for (let round = 0; round < 2 && decoded.bytes.includes(PERCENT); round += 1) {
      decoded = percentDecoded(decoded);
      views.push(decoded);
    }
  }
  return views;
}

const SHORT_ESCAPE_TEXT = new Map(
  [...SHORT_ESCAPES].map(([letter, byte]) => [String.fromCharCode(letter), byte]),
);

/**
 * The bytes that undoing one escape somewhere in the text would produce: after every backslash (`\u0061`,
 * `\/`…) and every percent sign (`%61`, and `%2561` undone twice), overlapping readings included.
 */
function escapedBytes(text: string, found: (byte: number) => boolean): boolean {
  for (let at = text.indexOf('\\'); at >= 0; at = text.indexOf('\\', at + 1)) {
    const next = text[at + 1] ?? '';
    const short = SHORT_ESCAPE_TEXT.get(next);
    if (short !== undefined && found(short)) return true;
    if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) {
      const char = String.fromCharCode(Number.parseInt(text.slice(at + 2, at + 6), 16));
      for (const byte of Buffer.from(char, 'utf8')) if (found(byte)) return true;
    }
  }
  for (let at = text.indexOf('%'); at >= 0; at = text.indexOf('%', at + 1)) {
    for (const digits of [
      text.slice(at + 1, at + 3),
      text.startsWith('25', at + 1) ? text.slice(at + 3, at + 5) : '',
    ]) {
      if (/^[0-9a-fA-F]{2}$/.test(digits) && found(Number.parseInt(digits, 16))) return true;
    }
  }
  return false;
}

/**
 * A function that replaces every spelling of every secret in a text with `[REDACTED]`. The forms searched
 * for are the secret itself (with `+` for its spaces, as forms write them) and its base64 cores. Decoded
 * views are built only when the text has an escape that decodes to a byte some form contains: ordinary
 * lines, and lines whose only escapes are `\n` or `%20`, cost one substring search per form. Every secret is
 * searched for whatever its length (a short Redis password too), though one shorter than 8 characters not in
 * base64; a secret such as `redis` hides that word in unrelated text too, which costs a word, never the
 * secret. (The logger looks for short secrets in a line's strings only: see `createLogger`.)
 */
export function secretScrubber(secrets: readonly string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret === '') continue;
    forms.add(secret);
    if (secret.includes(' ')) forms.add(secret.replaceAll(' ', '+'));
    for (const core of base64Cores(secret)) forms.add(core);
  }
  if (forms.size === 0) return (text) => text;
  const strings = [...forms];
  // Views are searched as latin1 strings (one character per byte): much faster than Buffer.indexOf.
  const bytewise = strings.map((form) => Buffer.from(form, 'utf8').toString('latin1'));
  const inForms = new Uint8Array(256);
  for (const form of bytewise) for (let i = 0; i < form.length; i += 1) inForms[form.charCodeAt(i)] = 1;
  const revealing = (text: string) => escapedBytes(text, (byte) => inForms[byte] === 1);
  return (text) => {
    const spans: [number, number][] = [];
    for (const form of strings) {
      for (let at = text.indexOf(form); at >= 0; at = text.indexOf(form, at + 1))
        spans.push([at, at + form.length]);
    }
    if ((text.includes('%') || text.includes('\\')) && revealing(text)) {
      for (const view of decodedViews(text)) {
        const bytes = view.bytes.toString('latin1');
        for (const form of bytewise) {
          for (let at = bytes.indexOf(form); at >= 0; at = bytes.indexOf(form, at + 1))
            spans.push([view.from[at] ?? 0, view.to[at + form.length - 1] ?? 0]);
        }
      }
    }
    return spans.length === 0 ? text : replaceSpans(text, spans);
  };
}

/** Replaces each stretch (overlapping ones merged) with one `[REDACTED]`. */
function replaceSpans(text: string, spans: [number, number][]): string {
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let kept = 0;
  let open: [number, number] | undefined;
  for (const span of spans) {
    if (open && span[0] < open[1]) {
      open[1] = Math.max(open[1], span[1]);
      continue;
    }
    if (open) {
      out += `${text.slice(kept, open[0])}${REDACTED}`;
      kept = open[1];
    }
    open = [span[0], span[1]];
  }
  if (open) {
    out += `${text.slice(kept, open[0])}${REDACTED}`;
    kept = open[1];
  }
  return out + text.slice(kept);
}

// A URL: scheme, authority (with any userinfo), path, query, fragment. Inside a JSON text a URL may hold
// escapes (`\u0026`, `\/`), which belong to it; a quote, space, angle bracket, `|` (Slack's link text
// follows it) or backtick ends it.
// (The backtick is not written literally: core's strings carry no mrkdwn code spans, a check reads them.)
const BACKTICK = String.fromCharCode(0x60);
const URL_CHAR = String.raw`(?:[^\s"'<>|${BACKTICK}\\]|\\{1,2}u[0-9a-fA-F]{4}|\\{1,2}\/)`;
const URL_PATTERN = new RegExp(
  String.raw`\b([a-zA-Z][a-zA-Z0-9+.-]{0,30}:(?:\\{0,2}\/){2})` +
    String.raw`((?:(?!\\{0,2}\/|[?#])${URL_CHAR})*)` +
    `((?:(?![?#])${URL_CHAR})*)` +
    String.raw`(\?(?:(?!#)${URL_CHAR})*)?` +
    `(#${URL_CHAR}*)?`,
  'g',
);

/**
 * Slack's webhook hosts, whose paths are the credential: a `response_url` (`/commands/…`, `/actions/…`) lets
 * anyone who reads it post into the conversation for 30 minutes, an incoming webhook (`/services/…`) forever.
 * Source: Slack's docs on handling user interaction (response_url) and incoming webhooks.
 */
const WEBHOOK_HOST = /^hooks\.slack(?:-gov)?\.com(?::\d+)?$/i;
const FIRST_SEGMENT = /^(\\{0,2}\/[^\\/]*)(.+)$/s;

/**
 * Removes what a URL may carry besides its address: userinfo (`user:password@`), the query string and the
 * fragment, wherever a URL appears in the text (`https://u:p@host/path?token=x` becomes
 * `https://[REDACTED]@host/path?[REDACTED]`). Paths are kept (they say what was called), except on Slack's
 * webhook hosts, where all but the first segment is the credential (`https://hooks.slack.com/commands/[REDACTED]`).
 */
export function stripUrlSecrets(text: string): string {
  if (!text.includes('//') && !text.includes('\\/')) return text;
  return text.replace(
    URL_PATTERN,
    (_match, scheme: string, authority: string, path: string, query?: string, fragment?: string) => {
      const at = authority.lastIndexOf('@');
      const hostname = at >= 0 ? authority.slice(at + 1) : authority;
      const host = at >= 0 ? `${REDACTED}@${hostname}` : authority;
      const secretPath = WEBHOOK_HOST.test(hostname) ? FIRST_SEGMENT.exec(path) : null;
      const kept = secretPath ? `${secretPath[1]}/${REDACTED}` : path;
      return `${scheme}${host}${kept}${query ? `?${REDACTED}` : ''}${fragment ? `#${REDACTED}` : ''}`;
    },
  );
}
