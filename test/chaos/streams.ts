// An event-stream client held to one API process through its faults: it follows
// GET /v1/events/stream, and whenever the stream ends or the process is gone it connects again
// with Last-Event-ID (the last id it took), as a browser's EventSource does. What it received, in
// the order it received it, is checked against the timeline afterwards.
import { connectSse, type SseConnection } from '../helpers/sse.js';
import { sleep } from './processes.js';

export class ResumingStream {
  private readonly connections: SseConnection[] = [];
  /** Connection attempts answered other than 200 or 503 (none expected). */
  readonly refused: string[] = [];
  private stopped = false;
  private loop?: Promise<void>;

  constructor(
    readonly name: string,
    private readonly url: string,
    private readonly token: () => Promise<string>,
  ) {}

  /** Event ids (with their case) in the order they arrived, over every connection. */
  get received(): { id: number; caseId: string }[] {
    return this.connections.flatMap((c) => c.messages.map((m) => ({ id: Number(m.id), caseId: m.data.caseId as string })));
  }

  get reconnects(): number {
    return Math.max(0, this.connections.length - 1);
  }

  /** Resolves once the first connection is open (the stream starts from then on). */
  async start(): Promise<void> {
    if (!(await this.connect())) throw new Error(`${this.name}: the event stream did not open`);
    this.loop = this.follow();
  }

  private async connect(): Promise<boolean> {
    const headers: Record<string, string> = { Authorization: `Bearer ${await this.token()}` };
    // The last id the server sent: an event's, or the point the stream opened at.
    const last = [...this.connections].reverse().find((c) => c.lastEventId !== null)?.lastEventId;
    if (last) headers['Last-Event-ID'] = last;
    const connection = await connectSse(this.url, headers).catch(() => undefined); // down: try again
    if (!connection) return false;
    if (connection.status !== 200) {
      if (connection.status !== 503) this.refused.push(`${this.name}: ${connection.status}`);
      return false;
    }
    this.connections.push(connection);
    if (this.stopped) connection.close();
    return true;
  }

  private async follow(): Promise<void> {
    while (!this.stopped) {
      await this.connections.at(-1)?.ended;
      // Gone or ended: connect again, from the last id taken.
      for (let attempt = 0; !this.stopped && !(await this.connect()); attempt++) await sleep(Math.min(100 * 2 ** attempt, 1000));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const c of this.connections) c.close();
    await this.loop;
  }
}
