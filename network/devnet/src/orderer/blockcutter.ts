// Batches envelopes into blocks like Fabric's orderer/common/blockcutter: a batch is cut when it
// reaches MaxMessageCount, when the next message would take it past PreferredMaxBytes (a
// message larger than that is cut alone), or when BatchTimeout has passed since its first message.
export interface BatchSize {
  maxMessageCount: number;
  preferredMaxBytes: number;
  absoluteMaxBytes: number;
}

export interface BatchSettings extends BatchSize {
  batchTimeoutMs: number;
}

/** Size of an envelope as Fabric counts it: payload + signature. */
export interface Sized {
  size: number;
}

export class BlockCutter<T extends Sized> {
  private pending: T[] = [];
  private pendingBytes = 0;
  private timer?: NodeJS.Timeout;

  constructor(
    private settings: BatchSettings,
    /** Receives each cut batch, in order. */
    private readonly onBatch: (batch: T[]) => void,
  ) {}

  /** New settings (a configuration update) apply from the next message. */
  configure(settings: BatchSettings): void {
    this.settings = settings;
  }

  order(message: T): void {
    const { preferredMaxBytes, maxMessageCount } = this.settings;
    if (message.size > preferredMaxBytes) {
      this.cut();
      this.onBatch([message]);
      return;
    }
    if (this.pendingBytes + message.size > preferredMaxBytes) this.cut();
    this.pending.push(message);
    this.pendingBytes += message.size;
    if (this.pending.length >= maxMessageCount) {
      this.cut();
    } else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.cut();
      }, this.settings.batchTimeoutMs);
    }
  }

  /** Cuts the pending batch now (no-op when empty). */
  cut(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.onBatch(batch);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
