import { createHash } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { decryptPackage } from './package-cipher.js';
import { decodeMetadata, type PackageMetadata } from './package-metadata.js';
import { readPackage } from './package-parts.js';
import { findOrphans, type OrphanPackage } from './orphan-packages.js';
import { QuarantineError } from './quarantine-errors.js';
import { originalPathOf, type QuarantineItem } from './quarantine-item.js';
import type { NewItem } from './quarantine-records.js';
import type { QuarantineStore } from './quarantine-store.js';
import { resolveUnderRoot } from './system-path.js';

/** What rebuilding the records did, package by package. */
export interface RebuildReport {
  /** Records rebuilt, as inserted. */
  readonly rebuilt: QuarantineItem[];
  /** Packages written before packages carried their metadata: left in place. */
  readonly oldFormat: OrphanPackage[];
  /** Packages that can't be read with this key, or are damaged: left in place, with why. */
  readonly unreadable: { readonly orphan: OrphanPackage; readonly reason: string }[];
}

/**
 * Gives every orphan package (no record names it) its record back from the metadata inside it.
 * Each package is authenticated (GCM tag) and its content hashed before its record is written;
 * nothing is deleted or moved. An item whose original is still in place, as the very file that
 * was copied (a crash came between the record and the removal, and the record was lost), is
 * inserted `stored`: run `recoverStore` after this to finish it.
 * @throws the system error of reading the blob folder, DatabaseError on a failed insert.
 */
export function rebuildRecords(store: QuarantineStore): RebuildReport {
  const report: RebuildReport = { rebuilt: [], oldFormat: [], unreadable: [] };
  for (const orphan of findOrphans(store)) {
    if (orphan.version === 1) {
      report.oldFormat.push(orphan);
      continue;
    }
    if (orphan.version === null) {
      report.unreadable.push({ orphan, reason: 'not a quarantine package (bad name or header)' });
      continue;
    }
    let record: NewItem;
    try {
      record = readRecord(store, orphan);
    } catch (err) {
      if (!(err instanceof QuarantineError)) throw err;
      report.unreadable.push({ orphan, reason: err.message });
      continue;
    }
    const phase = originalStillInPlace(store, record) ? 'stored' : 'complete';
    const errors = [store.records.errorNow({ word: 'lost', message: 'record rebuilt from its package after the quarantine database was lost' })];
    store.records.insertRebuilt(record, phase, errors);
    report.rebuilt.push(store.records.get(record.id)!);
  }
  return report;
}

/** The record an orphan describes: metadata (authenticated), then size and SHA-256 from its content. */
function readRecord(store: QuarantineStore, orphan: OrphanPackage): NewItem {
  let plainBytes = 0;
  const metaBytes = decryptPackage(orphan.path, store.key, orphan.id, (chunk) => {
    plainBytes += chunk.length;
  });
  if (metaBytes === null) throw new QuarantineError('content', `quarantine package ${orphan.path} carries no metadata`, { id: orphan.id, path: orphan.path });
  const meta: PackageMetadata = decodeMetadata(metaBytes, orphan.id, orphan.path);
  const effectBytes = meta.sideEffects.reduce((sum, e) => sum + (e.kind === 'file' ? Number(e['size'] ?? 0) : 0), 0);
  const size = plainBytes - effectBytes;
  if (size < 0) throw new QuarantineError('content', `quarantine package ${orphan.path} is shorter than its side effects`, { id: orphan.id, path: orphan.path });
  const { originalPathBytes: base64, ...rest } = meta;
  const fields = { ...rest, originalPathBytes: base64 === undefined ? null : Buffer.from(base64, 'base64') };
  const hash = createHash('sha256');
  const probe = { ...fields, size, sideEffects: meta.sideEffects } as unknown as QuarantineItem;
  readPackage(orphan.path, store.key, probe, (chunk) => hash.update(chunk));
  const { size: packageSize } = lstatSync(orphan.path);
  return { ...fields, size, sha256: hash.digest('hex'), packageSize, status: 'Quarantined', state: 'infected' };
}

function originalStillInPlace(store: QuarantineStore, record: NewItem): boolean {
  try {
    const now = lstatSync(resolveUnderRoot(store.root, originalPathOf(record)), { bigint: true });
    return now.isFile() && now.dev === BigInt(record.dev) && now.ino === BigInt(record.ino) && now.mtimeNs === BigInt(record.mtimeNs);
  } catch {
    return false;
  }
}
