// A client of the real HTTP API as a careful program would write it: every request bounded in
// time, 503s and network errors retried (the same request again, so the API's idempotency is what
// keeps a retry from doing a thing twice), and every answer held to the contract under faults:
// a 2xx, or a 503 with Retry-After — never a 500, never a hang. Behind haproxy, a 502 or 504 of
// haproxy's own (not the API's JSON) means the API process went away with the request: a lost
// answer, retried like a network error.
import { signToken } from '../../api/auth.js';
import type { Actor } from '../../workflows/definitions.js';
export { seededRandom } from '../../lib/seeded-random.js';

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface Observations {
  requests: number;
  byStatus: Record<string, number>;
  /** Answers outside the contract under faults: 5xx other than 503, 503 without Retry-After, hangs. */
  violations: string[];
  /** Requests repeated on purpose after a 2xx, as if the answer had been lost. */
  redelivered: number;
  /** Requests the API process closed without an answer. */
  networkErrors: string[];
  slowest: { ms: number; what: string };
}

export class ChaosApi {
  readonly seen: Observations = { requests: 0, byStatus: {}, violations: [], redelivered: 0, networkErrors: [], slowest: { ms: 0, what: '' } };
  private readonly tokens = new Map<string, Promise<string>>();

  constructor(
    readonly baseUrl: string,
    private readonly secret: string,
    private readonly options: { timeoutMs: number; retryForMs: number },
  ) {}

  token(actor: Actor): Promise<string> {
    const key = JSON.stringify(actor);
    if (!this.tokens.has(key)) this.tokens.set(key, signToken(this.secret, actor));
    return this.tokens.get(key)!;
  }

  /** One request, once (to `baseUrl`, or to `via`); throws on a network error or when the bound passes. */
  async once<T = any>(method: 'GET' | 'POST', path: string, as?: Actor, body?: unknown, via = this.baseUrl): Promise<Answer<T>> {
    const headers: Record<string, string> = { 'X-Purpose': 'fault suite' };
    if (as) headers.Authorization = `Bearer ${await this.token(as)}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const what = `${method} ${path.replace(/[0-9a-f-]{36}/g, ':id')}`;
    const started = Date.now();
    this.seen.requests++;
    try {
      const res = await fetch(via + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      const text = await res.text();
      const ms = Date.now() - started;
      if ((res.status === 502 || res.status === 504) && !res.headers.get('content-type')?.includes('json')) {
        const key = `load balancer ${res.status}`;
        this.seen.byStatus[key] = (this.seen.byStatus[key] ?? 0) + 1;
        this.seen.networkErrors.push(`${what}: ${key}`);
        throw Object.assign(new Error(`${what}: ${key} (the API process went away)`), { counted: true });
      }
      if (ms > this.seen.slowest.ms) this.seen.slowest = { ms, what };
      this.seen.byStatus[res.status] = (this.seen.byStatus[res.status] ?? 0) + 1;
      if (res.status >= 500 && res.status !== 503) this.seen.violations.push(`${what} answered ${res.status}: ${text.slice(0, 500)}`);
      if (res.status === 503 && !res.headers.get('retry-after')) this.seen.violations.push(`${what} answered 503 without Retry-After`);
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, body: parsed as T, headers: res.headers };
    } catch (err) {
      if ((err as { counted?: boolean }).counted) throw err;
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        this.seen.byStatus.timeout = (this.seen.byStatus.timeout ?? 0) + 1;
        this.seen.violations.push(`${what} did not answer within ${this.options.timeoutMs} ms`);
      } else {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        const key = `network ${cause?.code ?? cause?.message ?? (err as Error).message}`;
        this.seen.byStatus[key] = (this.seen.byStatus[key] ?? 0) + 1;
        this.seen.networkErrors.push(`${what}: ${key}`);
      }
      throw err;
    }
  }

  /**
   * The request until it is answered with something other than a 503 (or a network error), as a
   * client retrying after Retry-After would; the wait is shortened to keep the suite quick.
   * `redeliver`: after a 2xx, send it once more as if its answer had been lost; the repeat must be
   * a 2xx too.
   */
  async send<T = any>(method: 'GET' | 'POST', path: string, as?: Actor, body?: unknown, redeliver = false, firstVia?: string): Promise<Answer<T>> {
    const deadline = Date.now() + this.options.retryForMs;
    // `firstVia`: one API process directly, until it goes away; then through baseUrl.
    let via = firstVia ?? this.baseUrl;
    for (let attempt = 0; ; attempt++) {
      let answer: Answer<T> | undefined;
      try {
        answer = await this.once<T>(method, path, as, body, via);
      } catch {
        // network error or timeout: retried like a 503
        via = this.baseUrl;
      }
      if (answer && answer.status !== 503) {
        if (redeliver && answer.status < 300) {
          this.seen.redelivered++;
          const again = await this.send<T>(method, path, as, body, false);
          if (again.status >= 300) this.seen.violations.push(`${method} ${path} repeated after a 2xx answered ${again.status}: ${JSON.stringify(again.body).slice(0, 300)}`);
          return again;
        }
        return answer;
      }
      if (Date.now() > deadline) throw new Error(`${method} ${path}: still unavailable after ${this.options.retryForMs} ms`);
      await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 1500)));
    }
  }
}

