// What the case event feed and the team change feed share: one reader per process that polls only
// while someone listens, started by its first subscriber and stopped with its last.
export abstract class PolledFeed<L extends { end(): void }> {
  protected readonly listeners = new Set<L>();
  protected head = 0;
  private started: Promise<void> | null = null;
  protected timer: NodeJS.Timeout | null = null;
  /** Bumped when the feed stops or starts, so a read still under way from before is discarded. */
  protected generation = 0;

  /** Reads where the feed starts (`head`), then schedules the first poll. */
  protected abstract begin(generation: number): Promise<void>;
  /** Reads what follows the head, hands it on, and schedules the next poll. */
  protected abstract poll(generation: number): Promise<void>;

  /**
   * Joins the feed. Resolves with the id up to which the feed has read: the caller reads older
   * events from the store itself and receives every later one through its listener.
   */
  async subscribe(listener: L): Promise<{ head: number; unsubscribe: () => void }> {
    this.listeners.add(listener);
    const unsubscribe = () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
    const starting = (this.started ??= this.begin(++this.generation));
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

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.started = null;
    this.generation++;
  }

  protected schedule(delayMs: number): void {
    if (this.listeners.size === 0) return this.stop();
    const generation = this.generation;
    this.timer = setTimeout(() => void this.poll(generation), delayMs);
    this.timer.unref();
  }
}
