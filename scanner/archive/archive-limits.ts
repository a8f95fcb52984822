/**
 * What looking into one file's archives may cost, as ClamAV's MaxScanSize, MaxFileSize,
 * MaxFiles, MaxRecursion and MaxScanTime. Going past one is a result of the scan (a note named
 * like ClamAV's `Heuristics.Limits.Exceeded.*`), never an error.
 */
export interface ArchiveLimits {
  /** Decompressed bytes looked at in all of one file's members together. */
  readonly maxScanSize: number;
  /** Decompressed bytes of one member; a bigger member is not scanned. */
  readonly maxMemberSize: number;
  /** Members of one file, at every depth together. */
  readonly maxFiles: number;
  /** Containers inside containers (the file itself is depth 0). */
  readonly maxRecursion: number;
  /** Milliseconds spent looking into one file. */
  readonly maxScanTime: number;
}

/** ClamAV's defaults. */
export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = Object.freeze({
  maxScanSize: 100 * 1024 * 1024,
  maxMemberSize: 25 * 1024 * 1024,
  maxFiles: 10_000,
  maxRecursion: 16,
  maxScanTime: 120_000,
});

export type LimitName = 'MaxScanSize' | 'MaxFileSize' | 'MaxFiles' | 'MaxRecursion' | 'MaxScanTime';

/** ClamAV's name for going past a limit, which `--alert-exceeds-max` reports as a detection. */
export function limitSignature(limit: LimitName): string {
  return `Heuristics.Limits.Exceeded.${limit}`;
}
