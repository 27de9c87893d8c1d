// One poller per API process follows the case timeline in id order and hands each new event to
// every open stream; a stream catches up from its resume point on its own, then joins the feed.
//
// The feed only moves past an id once nothing can still appear below it. A missing id is waited for
// until it commits, or until every transaction that was running when the gap was seen has ended (it
// was rolled back, or taken by an insert that conflicted), or, should some unrelated transaction
// stay open, for `gapTimeoutMs` at most.
import type { Db } from '../db/client.js';
import { eventIdsIn, lastEventId, readEvents, transactionHorizon, type FeedEvent } from '../db/events.js';
import { log } from '../lib/log.js';

export interface FeedOptions {
  pollIntervalMs: number;
  batchSize?: number;
  gapTimeoutMs?: number;
}

export interface Subscriber {
  /** Called with each settled batch of new events, in id order. */
  deliver(events: FeedEvent[]): void;
  /** Ends the subscriber's stream (the server is shutting down). */
  end(): void;
}

interface Gap {
  id: number;
  seenAt: number;
  /** Transactions started before this have all ended once the horizon's xmin reaches it. */
  waitXmax: bigint | null;
}

/** How far back a starting feed looks for ids still being written. */
const START_WINDOW = 10_000;

export class CaseEventFeed {
  private readonly listeners = new Set<Subscriber>();
  private head = 0;
  private gap: Gap | null = null;
  private started: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Bumped when the feed stops or starts, so a read still under way from before is discarded. */
  private generation = 0;
  private readonly batchSize: number;
  private readonly gapTimeoutMs: number;

  constructor(
    private readonly db: Db,
    private readonly options: FeedOptions,
  ) {
    this.batchSize = options.batchSize ?? 1000;
    this.gapTimeoutMs = options.gapTimeoutMs ?? 10_000;
  }

  /**
   * Joins the feed. Resolves with the id up to which events are settled: the caller reads older
   * events from the store itself and receives every later one through `deliver`.
   */
  async subscribe(listener: Subscriber): Promise<{ head: number; unsubscribe: () => void }> {
    this.listeners.add(listener);
    const unsubscribe = () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
    const starting = (this.started ??= this.start());
    try {
      await starting;
    } catch (err) {
      // The next subscriber tries again (the database may be back).
      if (this.started === starting) this.started = null;
      unsubscribe();
      throw err;
    }
    return { head: this.head, unsubscribe };
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  /** Ends every open stream, so a server can close without waiting for them. */
  closeAll(): void {
    for (const listener of [...this.listeners]) listener.end();
  }

  private async start(): Promise<void> {
    const generation = ++this.generation;
    // Start below the oldest id missing from the recent past: it may belong to a transaction still
    // running, and is then waited for like any other gap.
    const last = await lastEventId(this.db);
    const from = Math.max(0, last - START_WINDOW);
    const ids = await eventIdsIn(this.db, from, last - from);
    let expected = from + 1;
    for (const id of ids) {
      if (id !== expected) break;
      expected = id + 1;
    }
    if (generation !== this.generation) return;
    this.head = Math.min(expected - 1, last);
    this.gap = null;
    this.schedule(this.options.pollIntervalMs);
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.started = null;
    this.generation++;
  }

  private schedule(delayMs: number): void {
    if (this.listeners.size === 0) return this.stop();
    const generation = this.generation;
    this.timer = setTimeout(() => void this.poll(generation), delayMs);
    this.timer.unref();
  }

  /** Reads what follows the head, hands on the settled part, and schedules the next read. */
  private async poll(generation: number): Promise<void> {
    let delay = this.options.pollIntervalMs;
    try {
      for (;;) {
        const horizon = this.gap ? await transactionHorizon(this.db) : null;
        const rows = await readEvents(this.db, { afterId: this.head, limit: this.batchSize });
        if (generation !== this.generation) return;
        const settled: FeedEvent[] = [];
        for (const row of rows) {
          if (row.id !== this.head + 1 && !(await this.gapClosed(row.id, horizon))) break;
          settled.push(row);
          this.head = row.id;
          this.gap = null;
        }
        if (settled.length > 0) this.emit(settled);
        if (rows.length < this.batchSize || settled.length < rows.length) break;
      }
    } catch (err) {
      delay = Math.max(delay, 2000);
      log.warn('event feed could not read the timeline', { error: err instanceof Error ? err.message : String(err) });
    }
    if (generation === this.generation) this.schedule(delay);
  }

  /** Whether the ids between the head and `nextId` will never appear. */
  private async gapClosed(nextId: number, horizon: { xmin: bigint } | null): Promise<boolean> {
    const now = Date.now();
    if (!this.gap || this.gap.id !== this.head + 1) {
      this.gap = { id: this.head + 1, seenAt: now, waitXmax: null };
      return false;
    }
    // The horizon is noted one read after the gap was seen: by then the transaction holding the id
    // (if any) has surely been given its transaction id, which happens just after the id is drawn.
    if (this.gap.waitXmax === null) {
      this.gap.waitXmax = (await transactionHorizon(this.db)).xmax;
      return false;
    }
    if (horizon && horizon.xmin >= this.gap.waitXmax) return true;
    if (now - this.gap.seenAt >= this.gapTimeoutMs) {
      log.warn('event feed skips ids that stayed missing', { from: this.gap.id, to: nextId - 1 });
      return true;
    }
    return false;
  }

  private emit(events: FeedEvent[]): void {
    for (const listener of this.listeners) {
      try {
        listener.deliver(events);
      } catch (err) {
        log.error('event stream listener failed', { error: err instanceof Error ? err.message : String(err) });
      }
    }
  }
}
