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
import { PolledFeed } from './polled-feed.js';

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

export class CaseEventFeed extends PolledFeed<Subscriber> {
  private gap: Gap | null = null;
  private readonly batchSize: number;
  private readonly gapTimeoutMs: number;

  constructor(
    private readonly db: Db,
    private readonly options: FeedOptions,
  ) {
    super();
    this.batchSize = options.batchSize ?? 1000;
    this.gapTimeoutMs = options.gapTimeoutMs ?? 10_000;
  }

  protected async begin(generation: number): Promise<void> {
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

  /** Reads what follows the head, hands on the settled part, and schedules the next read. */
  protected async poll(generation: number): Promise<void> {
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
