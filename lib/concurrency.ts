/** Maps `items` through `fn` with at most `limit` calls in flight, keeping the order of results. */
export function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const gate = limiter(limit);
  return Promise.all(items.map((item, index) => gate(() => fn(item, index))));
}

/**
 * A gate that lets at most `limit` calls run at once and queues the rest in arrival order, so work
 * handed in at different times (chunks of a bulk request) shares one bound.
 */
export function limiter(limit: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}
