/**
 * Snapshots of the storm's fake root, and their comparison: every file's bytes (SHA-256),
 * mode, owner and mtime to the nanosecond, and each persistence entry's state.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { StormEntry } from './storm-corpus.js';

export interface FileState {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly mtimeNs: bigint;
  /** SHA-256 of the content, or `link:target` for a symlink. */
  readonly content: string;
  /** The text, for persistence files (to tell which lines are there). */
  readonly text?: string;
}

export type Snapshot = Map<string, FileState>;

/**
 * Every file and symlink under `root` by system path; folders named in `skip` (system paths) are
 * left out. `rename` maps a leading system path to another (the staging tree to its final place).
 */
export function snapshotRoot(root: string, skip: readonly string[], textOf: ReadonlySet<string>, rename?: { readonly from: string; readonly to: string }): Snapshot {
  const out: Snapshot = new Map();
  const walk = (system: string): void => {
    for (const name of readdirSync(join(root, system)).sort()) {
      const path = `${system === '/' ? '' : system}/${name}`;
      if (skip.includes(path)) continue;
      const host = join(root, path);
      const st = lstatSync(host, { bigint: true });
      if (st.isDirectory()) {
        walk(path);
        continue;
      }
      const key = rename && path.startsWith(`${rename.from}/`) ? rename.to + path.slice(rename.from.length) : path;
      const base = { mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid), mtimeNs: st.mtimeNs };
      if (st.isSymbolicLink()) out.set(key, { ...base, content: `link:${readlinkSync(host)}` });
      else if (st.isFile()) {
        const bytes = readFileSync(host);
        out.set(key, { ...base, content: createHash('sha256').update(bytes).digest('hex'), ...(textOf.has(key) && { text: bytes.toString('utf8') }) });
      } else out.set(key, { ...base, content: 'other' });
    }
  };
  walk('/');
  return out;
}

export interface TreeDiff {
  readonly compared: number;
  readonly lost: string[];
  readonly extra: string[];
  readonly bytesDiffer: string[];
  readonly modeOrOwnerDiffer: string[];
  /** mtimes not equal to the nanosecond (files edited line by line excepted: they get "now" by policy). */
  readonly mtimeDiffer: string[];
  readonly maxMtimeOffNs: bigint;
}

/** What differs from `before` in `after`; `mtimeFree` files are compared without their mtime. */
export function compareSnapshots(before: Snapshot, after: Snapshot, mtimeFree: ReadonlySet<string>): TreeDiff {
  const diff: TreeDiff = { compared: before.size, lost: [], extra: [], bytesDiffer: [], modeOrOwnerDiffer: [], mtimeDiffer: [], maxMtimeOffNs: 0n };
  let maxOff = 0n;
  for (const [path, b] of before) {
    const a = after.get(path);
    if (!a) {
      diff.lost.push(path);
      continue;
    }
    if (a.content !== b.content) diff.bytesDiffer.push(path);
    if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid) diff.modeOrOwnerDiffer.push(path);
    if (!mtimeFree.has(path) && a.mtimeNs !== b.mtimeNs) {
      diff.mtimeDiffer.push(path);
      const off = a.mtimeNs > b.mtimeNs ? a.mtimeNs - b.mtimeNs : b.mtimeNs - a.mtimeNs;
      if (off > maxOff) maxOff = off;
    }
  }
  for (const path of after.keys()) if (!before.has(path)) diff.extra.push(path);
  return { ...diff, maxMtimeOffNs: maxOff };
}

/** Whether an entry is in place in `snap` as it was in `before` (whole file: bytes, mode, owner, mtime; line: the line present). */
function lineOf(entry: StormEntry, text: string | undefined): boolean {
  return text !== undefined && text.split(/\r?\n/).some((l) => l.includes(entry.target));
}

/** Entries no longer in place (after the quarantine: those it removed). */
export function countRemoved(entries: readonly StormEntry[], snap: Snapshot): number {
  return entries.filter((e) => (e.whole ? !snap.has(e.file) : !lineOf(e, snap.get(e.file)?.text))).length;
}

/**
 * Entries back exactly: a whole file identical to the nanosecond; a line back in a file whose
 * bytes, mode and owner equal the original (its mtime is "now", by the documented policy).
 */
export function countExact(entries: readonly StormEntry[], before: Snapshot, after: Snapshot): number {
  return entries.filter((e) => {
    const b = before.get(e.file);
    const a = after.get(e.file);
    if (!a || !b) return false;
    const same = a.content === b.content && a.mode === b.mode && a.uid === b.uid && a.gid === b.gid;
    return e.whole ? same && a.mtimeNs === b.mtimeNs : same;
  }).length;
}
