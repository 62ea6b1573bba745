/**
 * Key patterns: `*` matches any run of characters (slashes and colons included, since keys are opaque
 * strings), `?` one character; everything else is literal.
 */
export function globToRegExp(glob: string): RegExp {
  let pattern = '';
  for (const char of glob) {
    if (char === '*') pattern += '.*';
    else if (char === '?') pattern += '.';
    // Only the pattern syntax characters: with the `u` flag, escaping anything else is itself an error.
    else pattern += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${pattern}$`, 'su');
}

export function matchesGlob(value: string, glob: string): boolean {
  return globToRegExp(glob).test(value);
}
