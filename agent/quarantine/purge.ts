import type { QuarantineItem } from './quarantine-item.js';
import type { QuarantineStore } from './quarantine-store.js';
import { deleteItem } from './manage-items.js';

export interface QuarantineLimits {
  /** Bytes of packages kept at most (0 = no limit). */
  readonly maxSize: number;
  /** Age in ms after which items are purged (0 = keep forever). */
  readonly maxAge: number;
  /** Share of maxSize that triggers the low-space event. */
  readonly lowSpaceRatio: number;
}

/**
 * Applies the size and age limits: items older than maxAge go, then the oldest until the
 * quarantine fits in maxSize. Emits `disk quota remaining is low` when what is left is above
 * lowSpaceRatio of maxSize.
 */
export function purgeQuarantine(store: QuarantineStore, limits: QuarantineLimits, now = Date.now()): QuarantineItem[] {
  const purged: QuarantineItem[] = [];
  const items = store.records.held().filter((i) => i.phase === 'complete');
  let total = store.records.totals().bytes;
  for (const item of items) {
    const old = limits.maxAge > 0 && now - Date.parse(item.quarantinedAt) > limits.maxAge;
    const over = limits.maxSize > 0 && total > limits.maxSize;
    if (!old && !over) continue;
    purged.push(deleteItem(store, item.id, 'purged'));
    total -= item.packageSize;
  }
  if (limits.maxSize > 0 && total > limits.maxSize * limits.lowSpaceRatio) {
    store.events({
      name: 'disk quota remaining is low',
      severity: 'warning',
      message: `quarantine holds ${total} bytes of its ${limits.maxSize} maximum`,
      data: { bytes: total, maxSize: limits.maxSize },
    });
  }
  return purged;
}
