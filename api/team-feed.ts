// One poller per API process follows intel_changes for every open team stream: each poll reads the
// settled changes once (db/intel-feed.ts readSettledChanges, as the webhook deliveries do), turns
// them into what each (team, country) may see once (channelEvents, deciding at the records' current
// state), and hands each subscriber its share. A write through the API under a team wakes it at
// once; otherwise it polls every `pollIntervalMs`. A member removed from the team has their
// stream ended at the change that removed them.
//
// A change is sent once it is `holdMs` old: a record its originator restricts right after making it
// (within the hold) is decided at the restricted state, so it never reaches those it was restricted
// from. The feed reads again the moment the youngest held change comes of age.
import type { Db } from '../db/client.js';
import { channelEvents, lastChangeId, readSettledChanges, type ChangeRow, type ChannelEvent } from '../db/intel-feed.js';
import { log } from '../lib/log.js';
import { PolledFeed } from './polled-feed.js';

export interface TeamSubscriber {
  teamId: string;
  /** The recipient: null for an admin who is not a member (sees all, is never removed). */
  member: { sub: string; country: string } | null;
  /** The country whose view is sent (null: an admin's). */
  country: string | null;
  /** Called with each settled batch of the team's changes this subscriber may see, in id order. */
  deliver(events: ChannelEvent[]): void;
  /** Ends the subscriber's stream: removed from the team, or the server is shutting down. */
  end(): void;
}

export interface TeamFeedOptions {
  pollIntervalMs: number;
  /** How old a change must be before it is sent. */
  holdMs: number;
  batchSize?: number;
  /** The clock the hold is measured by (tests hold changes back for as long as they need). */
  now?: () => number;
}

/** The id of the change removing `member` from the team among `rows`, if any. */
function removalOf(rows: ChangeRow[], teamId: string, member: { sub: string; country: string }): number | undefined {
  return rows.find((r) => {
    if (r.teamId !== teamId || r.recordKind !== 'team' || r.what.action !== 'member.remove') return false;
    const before = r.what.before as { sub?: string; country?: string } | undefined;
    return before?.sub === member.sub && before?.country === member.country;
  })?.id;
}

export class TeamChangeFeed extends PolledFeed<TeamSubscriber> {
  private polling = false;
  private again = false;
  private readonly batchSize: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    private readonly options: TeamFeedOptions,
  ) {
    super();
    this.batchSize = options.batchSize ?? 500;
    this.now = options.now ?? Date.now;
  }

  /** A change was written under `teamId`: read now if anyone follows that team. */
  wake(teamId: string): void {
    if (![...this.listeners].some((l) => l.teamId === teamId)) return;
    if (this.polling) {
      this.again = true;
      return;
    }
    // No timer: the feed is still starting (its first poll is yet to be scheduled).
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    void this.poll(this.generation);
  }

  protected async begin(generation: number): Promise<void> {
    const head = await lastChangeId(this.db);
    if (generation !== this.generation) return;
    this.head = head;
    this.schedule(this.options.pollIntervalMs);
  }

  protected async poll(generation: number): Promise<void> {
    this.timer = null;
    this.polling = true;
    let delay = this.options.pollIntervalMs;
    try {
      for (;;) {
        this.again = false;
        const read = await readSettledChanges(this.db, this.head, { limit: this.batchSize });
        if (generation !== this.generation) return;
        // Held back from the first change younger than the hold: the head stops just before it.
        const now = this.now();
        const young = read.rows.findIndex((r) => new Date(r.at).getTime() > now - this.options.holdMs);
        const rows = young < 0 ? read.rows : read.rows.slice(0, young);
        const head = young < 0 ? read.head : read.rows[young].id - 1;
        if (rows.length > 0) await this.emit(rows);
        if (generation !== this.generation) return;
        const moved = head !== this.head;
        this.head = head;
        if (young >= 0) {
          delay = Math.min(delay, Math.max(10, new Date(read.rows[young].at).getTime() + this.options.holdMs - this.now()));
          if (!this.again) break;
          continue;
        }
        // More than one batch waiting, or a wake-up while reading: read on at once.
        if (!(moved && read.rows.length >= this.batchSize) && !this.again) break;
      }
    } catch (err) {
      delay = Math.max(delay, 2000);
      log.warn('team stream feed could not read the change log', { error: err instanceof Error ? err.message : String(err) });
    } finally {
      this.polling = false;
    }
    if (generation === this.generation) this.schedule(delay);
  }

  /** channelEvents once per (team, country) of the batch, handed to each subscriber of it. */
  private async emit(rows: ChangeRow[]): Promise<void> {
    const teams = new Set(rows.map((r) => r.teamId));
    const groups = new Map<string, TeamSubscriber[]>();
    for (const l of this.listeners) {
      if (!teams.has(l.teamId)) continue;
      const key = `${l.teamId}\u0000${l.country ?? ''}`;
      groups.set(key, [...(groups.get(key) ?? []), l]);
    }
    for (const group of groups.values()) {
      const { teamId, country } = group[0];
      const events = await channelEvents(this.db, rows, teamId, country);
      for (const listener of group) {
        const removed = listener.member ? removalOf(rows, teamId, listener.member) : undefined;
        try {
          const mine = removed === undefined ? events : events.filter((e) => e.id < removed);
          if (mine.length > 0) listener.deliver(mine);
          if (removed !== undefined) listener.end();
        } catch (err) {
          log.error('team stream listener failed', { error: err instanceof Error ? err.message : String(err) });
        }
      }
    }
  }
}
