// Waiting on a condition a test can name: the probe is asked again until its answer is accepted.
// The bound only ends a broken run; it is never what the test measures.

/** Asks `probe` every `intervalMs` until `accept` takes its answer, which it returns. */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T>,
  accept: (value: T) => boolean = (value) => value !== undefined,
  { timeoutMs = 60_000, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<Exclude<T, undefined>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value as Exclude<T, undefined>;
    if (Date.now() > deadline) throw new Error(`${what} not reached in ${timeoutMs} ms (last: ${JSON.stringify(value)})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
