import type { SampleAttributes } from '../../central/wire-format.js';
import type { QuarantineItem } from '../quarantine/quarantine-item.js';

/** Forwarded samples are queued for automatic analysis (the guide: priority 0 = manual only). */
const AUTOMATIC_PRIORITY = 1;

/**
 * What the Central Quarantine is told about an item. The body is the quarantined file's bytes, so
 * size and checksum are the file's as recorded when it was quarantined; side effects travel as a
 * count (their bytes may be user files, such as a crontab, and stay on the endpoint).
 * Never throws.
 */
export function sampleAttributes(item: QuarantineItem, address: string | null): SampleAttributes {
  return {
    id: item.id,
    checksum: item.sha256,
    size: item.size,
    fileName: item.fileName,
    dateQuarantined: item.quarantinedAt,
    virusName: item.virusName,
    sequence: item.definitionsSequence,
    priority: AUTOMATIC_PRIORITY,
    sideEffects: item.sideEffects.length,
    user: item.userName === '' ? null : item.userName,
    computer: item.computer,
    address,
  };
}
