/**
 * File sets for the quarantine benchmark: many small files spread over folders, and a few big
 * ones, generated from a seed and hashed as they are written so that a round trip (quarantine
 * then restore, or cp + rm there and back) can be checked byte for byte.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readdirSync, readSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BenchError } from './cli-args.js';
import { Rng } from './prng.js';

export interface BenchFile {
  /** Path relative to the root prefix, with a leading slash: the "system path" epq sees. */
  readonly systemPath: string;
  readonly size: number;
  readonly sha256: string;
}

export interface FileSet {
  readonly name: 'small' | 'big';
  /** Top folder of the set under the root (`/small`, `/big`): what cp copies and rm removes. */
  readonly top: string;
  readonly files: readonly BenchFile[];
  readonly bytes: number;
}

/** Small files per folder: a scan finds detections spread over folders, not all in one. */
const FILES_PER_FOLDER = 100;

/** Small files of `min`..`max` bytes (uniform, seeded), `FILES_PER_FOLDER` per folder. */
export function makeSmallSet(root: string, count: number, seed: number, min = 512, max = 8192): FileSet {
  const rng = new Rng(seed, 1);
  const files: BenchFile[] = [];
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const folder = `/small/d${String(Math.floor(i / FILES_PER_FOLDER)).padStart(4, '0')}`;
    if (i % FILES_PER_FOLDER === 0) mkdirSync(join(root, folder), { recursive: true });
    const size = rng.int(min, max);
    const content = rng.bytes(size);
    const systemPath = `${folder}/f${String(i).padStart(6, '0')}.bin`;
    writeFileSync(join(root, systemPath), content, { mode: 0o644 });
    files.push({ systemPath, size, sha256: createHash('sha256').update(content).digest('hex') });
    bytes += size;
  }
  return { name: 'small', top: '/small', files, bytes };
}

/** `count` files of `size` bytes each, written in 4 MB blocks so memory stays flat. */
export function makeBigSet(root: string, count: number, size: number, seed: number): FileSet {
  mkdirSync(join(root, 'big'), { recursive: true });
  const files: BenchFile[] = [];
  const block = new Uint32Array(1 << 20);
  for (let i = 0; i < count; i++) {
    const rng = new Rng(seed, 1000 + i);
    const systemPath = `/big/big${String(i).padStart(3, '0')}.bin`;
    const hash = createHash('sha256');
    const fd = openSync(join(root, systemPath), 'wx', 0o644);
    try {
      for (let left = size; left > 0; ) {
        rng.fill(block);
        const chunk = Buffer.from(block.buffer, 0, Math.min(left, block.byteLength));
        hash.update(chunk);
        for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
        left -= chunk.length;
      }
    } finally {
      closeSync(fd);
    }
    files.push({ systemPath, size, sha256: hash.digest('hex') });
  }
  return { name: 'big', top: '/big', files, bytes: size * count };
}

/** Every regular file under `dir`, as paths relative to `base` with a leading slash. */
export function listFiles(base: string, dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    let entries;
    try {
      entries = readdirSync(join(base, rel), { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk(dir);
  return out.sort();
}

/**
 * Checks that the set is back under `root` exactly: every file present with its SHA-256, and
 * nothing else in the set's folder (no temp file left behind by a restore).
 * @throws BenchError naming the first files that differ.
 */
export function verifySet(root: string, set: FileSet, after: string): void {
  const buf = Buffer.allocUnsafe(4 << 20);
  const bad: string[] = [];
  for (const f of set.files) {
    let fd: number;
    try {
      fd = openSync(join(root, f.systemPath), 'r');
    } catch (err) {
      bad.push(`${f.systemPath}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      continue;
    }
    const hash = createHash('sha256');
    try {
      for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) hash.update(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    if (hash.digest('hex') !== f.sha256) bad.push(`${f.systemPath}: content differs`);
    if (bad.length >= 5) break;
  }
  const expected = new Set(set.files.map((f) => f.systemPath));
  const extra = listFiles(root, set.top).filter((p) => !expected.has(p));
  if (bad.length > 0 || extra.length > 0) {
    const lines = [...bad, ...extra.slice(0, 5).map((p) => `${p}: unexpected file`)];
    throw new BenchError(`after ${after}, the ${set.name} files are not byte-identical to the originals:\n  ${lines.join('\n  ')}`);
  }
}

/** Checks that a set's folder holds no file any more (everything was moved away). */
export function verifyGone(root: string, set: FileSet, after: string): void {
  const left = listFiles(root, set.top);
  if (left.length > 0) throw new BenchError(`after ${after}, ${left.length} ${set.name} file(s) are still in place, e.g. ${left[0]}`);
}
