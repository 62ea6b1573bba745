/**
 * Runs `work` on every item, at most `concurrency` at a time, in the items' order. Resolves when all are done;
 * rejects with the first error a `work` throws (the items already started still run to their end).
 */
export async function pool<T>(
  items: readonly T[],
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(workers);
}
