import type { Engine } from '../engine.js';
import type { Detection } from '../types.js';
import { detectArchiveKind, type ArchiveKind } from './archive-kind.js';
import { limitSignature, type ArchiveLimits, type LimitName } from './archive-limits.js';
import { createBufferSource, readRange, type ByteSource } from './byte-source.js';
import { bunzipBounded } from './bunzip-bounded.js';
import { inflateBounded, readGzipName, type InflateOutcome } from './inflate-bounded.js';
import { locateZipData, readZipDirectory, type ZipEntry } from './zip-entries.js';
import { visitTarEntries } from './tar-entries.js';

/** Something that kept part of a file from being looked into: a limit, an encrypted or unsupported member. */
export interface ArchiveNote {
  readonly kind: 'limit' | 'encrypted' | 'unsupported';
  /** ClamAV-style name (`Heuristics.Limits.Exceeded.MaxFileSize`, `Heuristics.Encrypted.Zip`, ...). */
  readonly signature: string;
  /** Member path inside the file, levels joined by `//`; empty for the file itself. */
  readonly member: string;
  readonly detail: string;
}

export interface ArchiveScanResult {
  /** Detections in members, each naming its member. */
  readonly detections: readonly Detection[];
  readonly notes: readonly ArchiveNote[];
  /** Decompressed member bytes scanned. */
  readonly scannedBytes: number;
  readonly members: number;
}

export interface ArchiveScanOptions {
  readonly limits: ArchiveLimits;
  /** Milliseconds of a monotonic clock (the engine keeps no clock of its own). */
  readonly now: () => number;
}

class Stop extends Error {}

/**
 * Looks into a file's archive layers (zip, gzip, tar, nested up to `maxRecursion`) and scans
 * every member with the engine, in memory, never on disk. The file's own bytes are not scanned
 * here (the caller scanned them). Limits end the walk with a note; nothing here throws for a
 * hostile or damaged archive.
 */
export function scanArchive(engine: Engine, source: ByteSource, options: ArchiveScanOptions): ArchiveScanResult {
  const walk = new ArchiveWalk(engine, options);
  try {
    walk.visit(source, '', 0);
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
  }
  return { detections: walk.detections, notes: walk.notes, scannedBytes: walk.scanned, members: walk.members };
}

class ArchiveWalk {
  readonly detections: Detection[] = [];
  readonly notes: ArchiveNote[] = [];
  scanned = 0;
  members = 0;
  private readonly limits: ArchiveLimits;
  private readonly deadline: number;

  constructor(private readonly engine: Engine, private readonly options: ArchiveScanOptions) {
    this.limits = options.limits;
    this.deadline = options.now() + options.limits.maxScanTime;
  }

  visit(source: ByteSource, path: string, depth: number): void {
    const kind = detectArchiveKind(readRange(source, 0, 512));
    if (kind === null) return;
    if (depth >= this.limits.maxRecursion) {
      this.note('limit', limitSignature('MaxRecursion'), path, `${kind} nested deeper than ${this.limits.maxRecursion} levels`);
      return;
    }
    this.visitKind(kind, source, path, depth);
  }

  private visitKind(kind: ArchiveKind, source: ByteSource, path: string, depth: number): void {
    if (kind === 'zip') this.visitZip(source, path, depth);
    else if (kind === 'tar') this.visitTar(source, path, depth);
    else if (kind === 'gzip') this.visitGzip(source, path, depth);
    else if (kind === 'bzip2') this.visitBzip2(source, path, depth);
    else this.note('unsupported', 'Epq.Unsupported.Xz', path, 'xz data is not looked into');
  }

  private visitZip(source: ByteSource, path: string, depth: number): void {
    const dir = readZipDirectory(source, this.limits.maxFiles - this.members + 1);
    if (dir.problem) this.note('unsupported', 'Epq.Broken.Zip', path, dir.problem);
    for (const entry of dir.entries) {
      if (entry.name.endsWith('/')) continue;
      const name = join(path, entry.name);
      this.countMember(name);
      if (entry.encrypted) {
        this.note('encrypted', 'Heuristics.Encrypted.Zip', name, 'encrypted member, not scanned');
        continue;
      }
      if (entry.method !== 0 && entry.method !== 8) {
        this.note('unsupported', 'Epq.Unsupported.ZipMethod', name, `compression method ${entry.method} is not looked into`);
        continue;
      }
      const bytes = this.extractZip(source, entry, name);
      if (bytes) this.scanMember(bytes, name, depth);
    }
  }

  private extractZip(source: ByteSource, entry: ZipEntry, name: string): Uint8Array | null {
    if (!this.fitsMember(entry.size, name)) return null;
    const start = locateZipData(source, entry);
    if (start === null) {
      this.note('unsupported', 'Epq.Broken.Zip', name, 'local header missing');
      return null;
    }
    // Deflate never needs much more room than the data it holds; more is a lie about the size.
    const stored = readRange(source, start, Math.min(entry.compressedSize, this.memberCap() + 65536));
    if (entry.method === 0) return stored.subarray(0, Math.min(stored.length, entry.size));
    return this.inflate('raw', stored, name);
  }

  private visitGzip(source: ByteSource, path: string, depth: number): void {
    const input = this.readCompressed(source);
    const name = join(path, readGzipName(input.subarray(0, 4096)) ?? 'gzip-data');
    this.countMember(name);
    const bytes = this.inflate('gzip', input, name);
    this.noteTruncated(source, input, bytes, name);
    if (bytes) this.scanMember(bytes, name, depth);
  }

  private visitBzip2(source: ByteSource, path: string, depth: number): void {
    const name = join(path, 'bzip2-data');
    this.countMember(name);
    const input = this.readCompressed(source);
    const bytes = this.decoded(bunzipBounded(input, this.memberCap()), name);
    this.noteTruncated(source, input, bytes, name);
    if (bytes) this.scanMember(bytes, name, depth);
  }

  private visitTar(source: ByteSource, path: string, depth: number): void {
    visitTarEntries(source, (entry) => {
      if (!entry.regular) return true;
      const name = join(path, entry.name);
      this.countMember(name);
      if (this.fitsMember(entry.size, name)) this.scanMember(readRange(source, entry.dataOffset, entry.size), name, depth);
      return true;
    });
  }

  /**
   * The compressed bytes worth reading: compression never shrinks data by less than its
   * framing, so more input than the member cap plus 1% and 64 KB could only inflate past the cap.
   */
  private readCompressed(source: ByteSource): Uint8Array {
    const cap = this.memberCap();
    return readRange(source, 0, Math.min(source.size, cap + Math.ceil(cap / 100) + 65536));
  }

  /** Compressed data cut at the cap that still inflated within it: its start was scanned, the rest not. */
  private noteTruncated(source: ByteSource, input: Uint8Array, bytes: Uint8Array | null, name: string): void {
    if (bytes && input.length < source.size) {
      this.note('limit', limitSignature('MaxFileSize'), name, `compressed data past ${input.length} bytes not looked into`);
    }
  }

  /** Room for one member: the member limit, or what is left of the file's scan budget if less. */
  private memberCap(): number {
    return Math.min(this.limits.maxMemberSize, this.limits.maxScanSize - this.scanned);
  }

  private fitsMember(size: number, name: string): boolean {
    if (size > this.limits.maxMemberSize) {
      this.note('limit', limitSignature('MaxFileSize'), name, `member of ${size} bytes, more than ${this.limits.maxMemberSize}`);
      return false;
    }
    if (this.scanned + size > this.limits.maxScanSize) this.stop('MaxScanSize', name, `more than ${this.limits.maxScanSize} bytes in all members`);
    return true;
  }

  private inflate(format: 'raw' | 'gzip', input: Uint8Array, name: string): Uint8Array | null {
    return this.decoded(inflateBounded(format, input, this.memberCap()), name);
  }

  private decoded(out: InflateOutcome, name: string): Uint8Array | null {
    const cap = this.memberCap();
    if (out.kind === 'ok') return out.bytes;
    if (out.kind === 'corrupt') {
      this.note('unsupported', 'Epq.Broken.Compressed', name, out.reason);
      return null;
    }
    if (cap < this.limits.maxMemberSize) this.stop('MaxScanSize', name, `more than ${this.limits.maxScanSize} bytes in all members`);
    this.note('limit', limitSignature('MaxFileSize'), name, `member inflates to more than ${this.limits.maxMemberSize} bytes`);
    return null;
  }

  private countMember(name: string): void {
    if (++this.members > this.limits.maxFiles) this.stop('MaxFiles', name, `more than ${this.limits.maxFiles} members`);
    if (this.options.now() > this.deadline) this.stop('MaxScanTime', name, `longer than ${this.limits.maxScanTime} ms`);
  }

  private scanMember(bytes: Uint8Array, name: string, depth: number): void {
    this.scanned += bytes.length;
    const result = this.engine.scanBuffer(bytes);
    if (!result.allowListed) for (const d of result.detections) this.detections.push({ ...d, member: name });
    if (result.limitExceeded) this.note('limit', 'Heuristics.Limits.Exceeded.ScanCost', name, result.limitExceeded);
    if (!result.allowListed) this.visit(createBufferSource(bytes), name, depth + 1);
  }

  private note(kind: ArchiveNote['kind'], signature: string, member: string, detail: string): void {
    this.notes.push({ kind, signature, member, detail });
  }

  private stop(limit: LimitName, member: string, detail: string): never {
    this.note('limit', limitSignature(limit), member, detail);
    throw new Stop();
  }
}

function join(path: string, name: string): string {
  return path ? `${path}//${name}` : name;
}
