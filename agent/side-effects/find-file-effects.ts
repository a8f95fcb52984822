import { lstatSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { recordFileEffect } from './file-record.js';
import { toSystemPath } from './rooted-path.js';
import { listFolder, type FolderEntry } from './list-folder.js';
import type { PathMatcher } from './path-reference.js';
import type { WholeFileFolder } from './persistence-locations.js';
import { readLimitedFile, ReadSkip, type LimitedRead } from './read-limited.js';
import type { FoundFileSideEffect, SideEffectWarning } from './side-effect.js';
import { decodeText, isCommentLine, parseLines } from './text-lines.js';

/** What one folder search needs; shared across folders so a file is taken only once. */
export interface SearchContext {
  readonly realRoot: string;
  readonly matches: PathMatcher;
  readonly maxBytes: number;
  /** Real paths already searched, so a file reached through two folders is taken once. */
  readonly realPaths: Set<string>;
  readonly warnings: SideEffectWarning[];
  /** Bytes every reference must contain (the detected file's name): a cheap first filter. */
  readonly needle?: Buffer;
}

interface ReadEntry {
  readonly entry: FolderEntry;
  readonly read: LimitedRead;
  readonly lines: string[];
}

/**
 * Files of one autostart or unit folder that reference the detected path, with their bytes. A
 * timer is taken too when the service it starts is taken, since a timer left behind would only
 * fail on every tick. Symlinked entries are not captured (a file effect holds bytes, not a
 * link); one whose target references the path adds a warning. Never throws for a file problem.
 */
export async function findFileEffects(ctx: SearchContext, folder: WholeFileFolder): Promise<FoundFileSideEffect[]> {
  const entries = await listFolder(ctx.realRoot, folder.systemDir, (n) => folder.suffixes.some((s) => n.endsWith(s)), ctx.warnings);
  const found: FoundFileSideEffect[] = [];
  const timers: ReadEntry[] = [];
  // Entries are read concurrently: a unit folder holds hundreds of files, and one at a time the
  // search waited on the file system for most of a detection's latency.
  const candidates = await Promise.all(entries.map((entry) => readEntry(ctx, entry)));
  for (const candidate of candidates) {
    if (candidate === undefined) continue;
    const entry = candidate.entry;
    if (references(ctx, candidate)) found.push(recordFileEffect(folder.role, entry.systemPath, candidate.read));
    else if (entry.name.endsWith('.timer')) timers.push(candidate);
  }
  const taken = new Set(found.map((f) => posix.basename(f.path)));
  for (const timer of timers) {
    if (taken.has(timerUnit(timer))) found.push(recordFileEffect(folder.role, timer.entry.systemPath, timer.read));
  }
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function readEntry(ctx: SearchContext, entry: FolderEntry): Promise<ReadEntry | undefined> {
  // Synchronous: hundreds of entries per detection, each a cached metadata lookup that costs
  // less than a round trip through the thread pool.
  let kind: Stats | undefined;
  try {
    kind = lstatSync(entry.hostPath, { throwIfNoEntry: false });
  } catch {
    return undefined;
  }
  if (kind === undefined) return undefined;
  const read = await readLimitedFile(ctx.realRoot, entry.systemPath, ctx.maxBytes);
  if (read instanceof ReadSkip) {
    if (read.code !== 'ENOENT') ctx.warnings.push(kind.isSymbolicLink() ? { path: entry.systemPath, reason: `symbolic link not followed: ${read.reason}` } : read.toWarning());
    return undefined;
  }
  if (ctx.realPaths.has(read.rooted.realPath)) return undefined;
  if (ctx.needle && !read.bytes.includes(ctx.needle) && !kind.isSymbolicLink() && !entry.name.endsWith('.timer')) {
    ctx.realPaths.add(read.rooted.realPath);
    return undefined;
  }
  let lines: string[];
  try {
    lines = parseLines(decodeText(read.bytes)).map((l) => l.text);
  } catch (err) {
    ctx.warnings.push({ path: entry.systemPath, reason: `${(err as Error).message}; not searched` });
    return undefined;
  }
  if (kind.isSymbolicLink()) {
    // The target is searched on its own when it lies in a searched folder; the link is not ours
    // to take, but the user should hear that something points at the detection.
    if (lines.some((l) => !isCommentLine(l) && ctx.matches(l))) {
      ctx.warnings.push({ path: entry.systemPath, reason: `symbolic link to ${toSystemPath(ctx.realRoot, read.rooted.realPath)}, which references the detected path; links are not captured` });
    }
    return undefined;
  }
  ctx.realPaths.add(read.rooted.realPath);
  return { entry, read, lines };
}

function references(ctx: SearchContext, candidate: ReadEntry): boolean {
  return candidate.lines.some((l) => !isCommentLine(l) && ctx.matches(l));
}

/** The unit a timer starts: its `Unit=` setting, else the service of the same name. */
function timerUnit(timer: ReadEntry): string {
  for (const line of timer.lines) {
    const m = /^\s*Unit\s*=\s*(\S+)\s*$/.exec(line);
    if (m) return m[1]!;
  }
  return `${timer.entry.name.slice(0, -'.timer'.length)}.service`;
}

