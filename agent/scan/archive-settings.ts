import type { ArchiveLimits } from '../../scanner/archive/archive-limits.js';

/** How a file scan looks into archives; null in FileScanOptions means it does not. */
export interface ArchiveSettings {
  readonly limits: ArchiveLimits;
  /** ClamAV's AlertExceedsMax: a limit gone past is reported as a detection. */
  readonly alertExceedsMax: boolean;
}

/** The `scan.*` option values an archive scan is driven by (config keys and flags alike). */
export interface ArchiveOptionValues {
  readonly archives: boolean;
  readonly maxScanSize: number;
  readonly maxMemberSize: number;
  readonly maxFiles: number;
  readonly maxRecursion: number;
  readonly maxScanTime: number;
  readonly alertExceedsMax: boolean;
}

/** The settings a scan's options give (null when `scan.archives` is off). */
export function pickArchiveSettings(v: ArchiveOptionValues): ArchiveSettings | null {
  if (!v.archives) return null;
  const { maxScanSize, maxMemberSize, maxFiles, maxRecursion, maxScanTime } = v;
  return { limits: { maxScanSize, maxMemberSize, maxFiles, maxRecursion, maxScanTime }, alertExceedsMax: v.alertExceedsMax };
}
