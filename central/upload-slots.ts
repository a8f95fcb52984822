import { SampleRefusal } from './central-errors.js';

/**
 * Counts uploads receiving at once, per client address and in total, so that one client (or a
 * crowd) can't take every slot, file descriptor and reservation. A slot is given back exactly
 * once, whatever way the upload ends.
 */
export class UploadSlots {
  private readonly perClient = new Map<string, number>();
  private total = 0;

  constructor(private readonly maxPerClient: number, private readonly maxTotal: number, private readonly retryAfterSec: number) {}

  get inUse(): number {
    return this.total;
  }

  /**
   * Takes a slot for `address`; call the returned function when the upload ends.
   * @throws SampleRefusal `declined` with 503 and a Retry-After when the client, or the server,
   *   has as many uploads in progress as allowed.
   */
  take(address: string, id: string | undefined): () => void {
    const mine = this.perClient.get(address) ?? 0;
    const context = { ...(id !== undefined && { id }), retryAfterSec: this.retryAfterSec };
    if (mine >= this.maxPerClient) {
      throw new SampleRefusal('declined', 503, `this client (${address}) already has ${mine} uploads in progress, the most allowed; try again shortly`, context);
    }
    if (this.total >= this.maxTotal) {
      throw new SampleRefusal('declined', 503, `the Central Quarantine is receiving ${this.total} uploads, the most allowed; try again shortly`, context);
    }
    this.perClient.set(address, mine + 1);
    this.total++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.total--;
      const left = (this.perClient.get(address) ?? 1) - 1;
      if (left === 0) this.perClient.delete(address);
      else this.perClient.set(address, left);
    };
  }
}
