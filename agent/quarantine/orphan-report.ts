import { showPath } from '../fs-path.js';
import type { OrphanPackage } from './orphan-packages.js';
import type { RebuildReport } from './rebuild-records.js';

/** Lines saying that packages sit in the blob folder without records, and what to do. */
export function describeOrphans(orphans: readonly OrphanPackage[], blobDir: string): string[] {
  if (orphans.length === 0) return [];
  const rebuildable = orphans.filter((o) => o.version === 2).length;
  const old = orphans.filter((o) => o.version === 1);
  const other = orphans.filter((o) => o.version === null);
  return [
    `epq: ${orphans.length} quarantine package(s) in ${blobDir} have no record: the quarantine database was lost or replaced.`,
    ...(rebuildable > 0 ? [`epq: ${rebuildable} of them describe themselves: run \`epq quarantine rebuild\` to give them their records back.`] : []),
    ...(old.length > 0 ? [`epq: ${old.length} were written by an older epq without their metadata and can't be rebuilt; they are left in place: ${old.map((o) => showPath(o.fileName)).join(' ')}`] : []),
    ...(other.length > 0 ? [`epq: ${other.length} are not readable packages; left in place: ${other.map((o) => showPath(o.fileName)).join(' ')}`] : []),
  ];
}

/** What `quarantine rebuild` did, one line per package. */
export function describeRebuild(report: RebuildReport, setAside: readonly string[]): string[] {
  return [
    ...setAside.map((p) => `The damaged database was set aside as ${p}`),
    ...(setAside.length > 0 ? ['Exceptions and the forwarding outbox of the damaged database are not carried over.'] : []),
    ...report.rebuilt.map((i) => `${i.id}: record rebuilt (${showPath(i.originalPath)}, ${showPath(i.virusName)})`),
    ...report.oldFormat.map((o) => `${showPath(o.fileName)}: written by an older epq without its metadata; left in place, not rebuilt`),
    ...report.unreadable.map((u) => `${showPath(u.orphan.fileName)}: can't be read (${u.reason}); left in place`),
    `Rebuilt ${report.rebuilt.length} record(s); ${report.oldFormat.length + report.unreadable.length} package(s) left in place without a record.`,
  ];
}
