/** Numbers as people read them: 12,340. */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}
