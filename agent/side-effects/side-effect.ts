/**
 * What a detection leaves behind besides the detected file, recorded exactly enough to put it
 * back. These records are plain JSON (the quarantine stores them in SQLite); the bytes of whole
 * files travel separately, inside the encrypted package, keyed by their SHA-256.
 *
 * Every `path` is in the SYSTEM namespace (`/etc/crontab`), never the host path under the
 * configured filesystem root.
 */

/** Why a whole file belongs to a detection. */
export type FileSideEffectRole = 'companion' | 'autostart' | 'systemd-unit';

/** Which kind of persistence file a line was taken from. */
export type LineSideEffectRole = 'crontab' | 'cron.d' | 'user-crontab' | 'shell-rc' | 'ld.so.preload';

/** A whole file that goes into the package: a dropped companion or a persistence file. */
export interface FileSideEffect {
  readonly kind: 'file';
  readonly role: FileSideEffectRole;
  readonly path: string;
  readonly size: number;
  /** Lower-case hex SHA-256 of the bytes; also the key of the bytes in a contents map. */
  readonly sha256: string;
  /** Permission bits including setuid/setgid/sticky (`st_mode & 0o7777`). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly atimeMs: number;
  readonly mtimeMs: number;
  /**
   * The same times to the nanosecond, as decimal text (records are JSON), which a restore gives
   * back. Absent in records made before they were kept.
   */
  readonly atimeNs?: string;
  readonly mtimeNs?: string;
}

/** One line of a shared persistence file (crontab, rc file...) that references the detection. */
export interface LineSideEffect {
  readonly kind: 'line';
  readonly role: LineSideEffectRole;
  readonly path: string;
  /** 0-based index of the line in the file as it was found. */
  readonly lineIndex: number;
  /** The exact text, without its line ending. */
  readonly line: string;
  /** The line above it when found (null when it was the first line). */
  readonly before: string | null;
  /** The line below it when found (null when it was the last line). */
  readonly after: string | null;
  /** The line's own ending; for an unterminated last line, the ending the file otherwise uses. */
  readonly newline: '\n' | '\r\n';
  /** False only when the line was the file's last line and had no line ending at all. */
  readonly terminated: boolean;
  /** Mode and owner of the file that held the line, so a vanished file can be recreated. */
  readonly fileMode: number;
  readonly fileUid: number;
  readonly fileGid: number;
  /** Where the line stood, set when it is removed (see `LinePosition`); absent on a found line. */
  readonly position?: LinePosition;
}

/**
 * Where a removed line stood in the file's "frame": the file as it would be with every line held
 * in quarantine (by any item) put back. Every removal computes it in the same frame, so at any
 * time the frame is the file's present lines merged with all held lines by their `index`, and a
 * restore puts a line back exactly by dropping the lines still held from that merge.
 */
export interface LinePosition {
  /** 0-based index of the line in the frame. */
  readonly index: number;
  /** Number of lines of the frame; it stays the same while nobody else edits the file. */
  readonly lines: number;
  /** Text of the frame line above it (null when first); it may be another item's held line. */
  readonly before: string | null;
  /** Text of the frame line below it (null when last). */
  readonly after: string | null;
}

export type SideEffect = FileSideEffect | LineSideEffect;

/** A file side effect as found, with the bytes that must go into the package. */
export interface FoundFileSideEffect extends FileSideEffect {
  readonly content: Buffer;
}

export type FoundSideEffect = FoundFileSideEffect | LineSideEffect;

/** Something that was skipped during a search, with the reason (the search goes on). */
export interface SideEffectWarning {
  /** System-namespace path of what was skipped. */
  readonly path: string;
  readonly reason: string;
  /** The system error code when there was one (`EACCES`, `ELOOP`...). */
  readonly code?: string;
}

/** Bytes of file side effects keyed by their lower-case hex SHA-256. */
export type SideEffectContents = ReadonlyMap<string, Uint8Array>;

/**
 * Splits found side effects into the JSON records to store and the bytes to put into the
 * encrypted package (keyed by SHA-256, so two identical companions share one blob). Never throws.
 */
export function splitFoundSideEffects(found: readonly FoundSideEffect[]): {
  effects: SideEffect[];
  contents: Map<string, Buffer>;
} {
  const effects: SideEffect[] = [];
  const contents = new Map<string, Buffer>();
  for (const effect of found) {
    if (effect.kind === 'line') {
      effects.push(effect);
      continue;
    }
    const { content, ...record } = effect;
    effects.push(record);
    contents.set(record.sha256, content);
  }
  return { effects, contents };
}
