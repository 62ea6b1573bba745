/**
 * A value as the stores keep it: JSON text. Anything without a JSON form (undefined, functions, symbols,
 * BigInt, cycles) is refused here, once for every store, rather than stored and then failing every read.
 */
export function encodeValue(namespace: string, value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message || error.name : String(error);
    throw new TypeError(
      `Cannot store a value in ${JSON.stringify(namespace)}: it is not JSON data (${reason})`,
      {
        cause: error,
      },
    );
  }
  if (json === undefined) {
    throw new TypeError(
      `Cannot store a value in ${JSON.stringify(namespace)}: ${typeof value} values are not JSON data`,
    );
  }
  return json;
}
