/**
 * The spellings a secret can take in a log line or a message, and an independent check that a text does
 * not reveal a secret in any of them: it decodes the text every way a reader could (JSON, percent-encoding,
 * `+` for spaces, base64 and base64url at every alignment) and looks for the secret in what comes out.
 */

const bytesOf = (text: string) => Buffer.from(text, 'utf8');

function percentAll(text: string, upper: boolean): string {
  return [...bytesOf(text)]
    .map((byte) => {
      const hex = byte.toString(16).padStart(2, '0');
      return `%${upper ? hex.toUpperCase() : hex}`;
    })
    .join('');
}

function unicodeEscapeAll(text: string, upper: boolean): string {
  return Array.from({ length: text.length }, (_, index) => {
    const hex = text.charCodeAt(index).toString(16).padStart(4, '0');
    return `\\u${upper ? hex.toUpperCase() : hex}`;
  }).join('');
}

const base64url = (bytes: Buffer) => bytes.toString('base64url');

/** Every encoding the scrubber promises to catch, by name: each takes the secret and returns its spelling. */
export const ENCODINGS: Readonly<Record<string, (secret: string, noise: Buffer) => string>> = {
  literal: (secret) => secret,
  encodeURIComponent: (secret) => encodeURIComponent(secret),
  encodeURI: (secret) => encodeURI(secret),
  'percent, lower-case hex': (secret) => percentAll(secret, false),
  'percent, upper-case hex': (secret) => percentAll(secret, true),
  'form (+ for spaces)': (secret) => new URLSearchParams({ t: secret }).toString().slice(2),
  'percent-encoded twice': (secret) => encodeURIComponent(encodeURIComponent(secret)),
  'JSON string': (secret) => JSON.stringify(secret).slice(1, -1),
  'JSON \\u, lower-case': (secret) => unicodeEscapeAll(secret, false),
  'JSON \\u, upper-case': (secret) => unicodeEscapeAll(secret, true),
  'JSON with \\/': (secret) => JSON.stringify(secret).slice(1, -1).replace(/\//g, '\\/'),
  'JSON body inside a string': (secret) => JSON.stringify({ error: unicodeEscapeAll(secret, false) }),
  base64: (secret) => bytesOf(secret).toString('base64'),
  base64url: (secret) => base64url(bytesOf(secret)),
  'base64 of user:secret': (secret) => bytesOf(`flowbot:${secret}`).toString('base64'),
  'base64 of :secret': (secret) => bytesOf(`:${secret}`).toString('base64'),
  'Basic authorization': (secret) => `Basic ${bytesOf(`u:${secret}`).toString('base64')}`,
  'inside longer base64': (secret, noise) =>
    Buffer.concat([noise, bytesOf(secret), noise.subarray(0, 2)]).toString('base64'),
  'inside longer base64url': (secret, noise) =>
    base64url(Buffer.concat([noise.subarray(1), bytesOf(secret), noise])),
  'base64, percent-encoded': (secret) => encodeURIComponent(bytesOf(`x${secret}`).toString('base64')),
  'URL userinfo': (secret) => `https://flowbot:${encodeURIComponent(secret)}@qstash.example/v2`,
  'URL query': (secret) => `https://qstash.example/v2/flowControl?token=${encodeURIComponent(secret)}&x=1`,
};

function jsonUnescape(text: string): string {
  return text.replace(/\\(?:u([0-9a-fA-F]{4})|(.))/g, (_all, unit?: string, char?: string) => {
    if (unit) return String.fromCharCode(Number.parseInt(unit, 16));
    const short: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };
    return char !== undefined && Object.hasOwn(short, char) ? (short[char] ?? '') : (char ?? '');
  });
}

function percentDecode(text: string): string {
  return text.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) =>
    Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'),
  );
}

function base64Runs(text: string): Buffer[] {
  const decoded: Buffer[] = [];
  for (const [run] of text.matchAll(/[A-Za-z0-9+/_-]{6,}/g)) {
    const standard = run.replace(/-/g, '+').replace(/_/g, '/');
    for (let offset = 0; offset < 4; offset += 1) decoded.push(Buffer.from(standard.slice(offset), 'base64'));
  }
  return decoded;
}

/** Every string a reader could get out of the text: decoded, and decoded again, every way. */
function readings(text: string): string[] {
  const seen = new Set<string>([text]);
  let frontier = [text];
  for (let round = 0; round < 4; round += 1) {
    const next: string[] = [];
    for (const value of frontier) {
      for (const decoded of [jsonUnescape(value), percentDecode(value), value.replace(/\+/g, ' ')]) {
        if (!seen.has(decoded)) {
          seen.add(decoded);
          next.push(decoded);
        }
      }
    }
    frontier = next;
  }
  return [...seen];
}

/** Which spelling of the secret (if any) a reader could recover from the text. */
export function revealed(text: string, secret: string): string | undefined {
  const needle = bytesOf(secret);
  for (const reading of readings(text)) {
    if (reading.includes(secret)) return `as text in ${JSON.stringify(reading.slice(0, 200))}`;
    for (const bytes of base64Runs(reading))
      if (bytes.includes(needle)) return `in base64 in ${JSON.stringify(reading.slice(0, 200))}`;
  }
  return undefined;
}
