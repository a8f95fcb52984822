/**
 * The on-disk definitions store of an agent: `<stateDir>/definitions/` (its files: store-layout.ts;
 * the set loaded at start: load-active.ts).
 *
 * Contract with other processes (the running agent and `epq defs ...`):
 *   - Every file is written to a temp name in this folder, fsynced, renamed, and the folder is
 *     fsynced; a reader sees the old file or the new one, never a part.
 *   - A set file is written BEFORE active.json points at it; a crash in between leaves the old
 *     set active and a stray set file that the next install or rollback prunes or overwrites.
 *   - Set files are never changed in place; active.json's `id` changes on every switch, so a
 *     process that loaded id X knows the store moved on when it reads another id.
 *   - Changes (install, rollback, prune) take the lock; reads take none.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../definitions/atomic-write.js';
import { DefinitionsPackageError } from '../../definitions/errors.js';
import type { TrustedKey } from '../../definitions/keys.js';
import { readPackageHeader, type SignedDefinitionsSet } from '../../definitions/package-format.js';
import type { PackageManifest } from '../../definitions/package-manifest.js';
import { decodeSetFile, encodeSetFile, SET_FILE_MAGIC } from '../../definitions/set-file.js';
import { DefinitionsStoreError } from './store-errors.js';
import {
  ACTIVE_FILE,
  LAST_CHECK_FILE,
  LOCK_FILE,
  parsePointer,
  SET_FILE_PATTERN,
  setFileName,
  STALE_TEMP_PATTERN,
  STORE_FOLDER,
  type ActivePointer,
  type StoredSetEntry,
} from './store-layout.js';

/** How many sets are kept on disk by default, the active one included (config `definitions.keep`). */
export const DEFAULT_KEEP = 3;

export interface OpenStoreOptions {
  /** Sets kept on disk, the active one included (default 3); 1 keeps only the active set. */
  readonly keep?: number;
  /** How long to wait for another process's lock (default 30 s). */
  readonly lockTimeoutMs?: number;
}

export class DefinitionsStore {
  private constructor(
    readonly dir: string,
    readonly keep: number,
    private readonly lockTimeoutMs: number,
  ) {}

  /**
   * Opens (creating it if needed) `<stateDir>/definitions/`.
   * @throws RangeError for a bad `keep`; DefinitionsStoreError when the folder can't be created.
   */
  static async open(stateDir: string, options: OpenStoreOptions = {}): Promise<DefinitionsStore> {
    const keep = options.keep ?? DEFAULT_KEEP;
    if (!Number.isSafeInteger(keep) || keep < 1) throw new RangeError(`definitions.keep must be a positive integer (got ${String(keep)})`);
    const dir = join(stateDir, STORE_FOLDER);
    try {
      // A state folder made here is private, as the agent makes it (it also holds the quarantine).
      await mkdir(stateDir, { recursive: true, mode: 0o700 });
      await mkdir(dir, { recursive: true, mode: 0o755 });
    } catch (err) {
      throw new DefinitionsStoreError(dir, "can't create the definitions folder", { cause: err });
    }
    return new DefinitionsStore(dir, keep, options.lockTimeoutMs ?? 30_000);
  }

  get activePath(): string {
    return join(this.dir, ACTIVE_FILE);
  }

  setPath(sequence: number): string {
    return join(this.dir, setFileName(sequence));
  }

  /** The set files present, highest sequence first (names only; nothing is verified). */
  async listSets(): Promise<StoredSetEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      throw new DefinitionsStoreError(this.dir, "can't read the definitions folder", { cause: err });
    }
    const entries: StoredSetEntry[] = [];
    for (const file of names) {
      const m = SET_FILE_PATTERN.exec(file);
      if (!m) continue;
      const path = join(this.dir, file);
      const info = await stat(path).catch(() => null);
      if (info?.isFile()) entries.push({ sequence: Number(m[1]), file, path, size: info.size });
    }
    return entries.sort((a, b) => b.sequence - a.sequence);
  }

  /**
   * Reads active.json; null when there is none (nothing was ever installed).
   * @throws DefinitionsStoreError when it exists but can't be read or is not a valid pointer.
   */
  async readPointer(): Promise<ActivePointer | null> {
    let text: string;
    try {
      text = await readFile(this.activePath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new DefinitionsStoreError(this.activePath, "can't read it", { cause: err });
    }
    return parsePointer(text, this.activePath);
  }

  /** The pointer's id: null when there is none, '' when it is unreadable. Does not throw. */
  async readPointerId(): Promise<string | null> {
    try {
      return (await this.readPointer())?.id ?? null;
    } catch {
      return '';
    }
  }

  /**
   * Reads and verifies a stored set.
   * @throws DefinitionsPackageError naming the file (missing, altered, untrusted key, wrong sequence).
   */
  async readSet(sequence: number, trustedKeys: readonly TrustedKey[]): Promise<SignedDefinitionsSet> {
    const path = this.setPath(sequence);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new DefinitionsPackageError(path, 'stored set file not found');
      throw new DefinitionsPackageError(path, "can't read the stored set", { cause: err });
    }
    const set = decodeSetFile(bytes, path, trustedKeys);
    if (set.sequence !== sequence) throw new DefinitionsPackageError(path, `holds sequence ${set.sequence}, not ${sequence}`);
    return set;
  }

  /** Reads a stored set's manifest without verifying it (for listings). Throws DefinitionsPackageError. */
  async readSetManifest(sequence: number): Promise<PackageManifest> {
    const path = this.setPath(sequence);
    const handle = await open(path, 'r').catch((err: unknown) => {
      throw new DefinitionsPackageError(path, "can't read the stored set", { cause: err });
    });
    try {
      // The header is bounded (1 MiB manifest + a short signature line); the bodies are not needed.
      const { buffer, bytesRead } = await handle.read({ buffer: Buffer.alloc(1024 * 1024 + 1024), position: 0 });
      return readPackageHeader(buffer.subarray(0, bytesRead), path, SET_FILE_MAGIC).manifest;
    } finally {
      await handle.close();
    }
  }

  /**
   * Writes a verified set as `defs-<sequence>.epqset` (atomically; replaces a stray file of the
   * same sequence). Does not make it active. Call with the lock held.
   * @throws DefinitionsStoreError when the file can't be written.
   */
  async writeSet(set: SignedDefinitionsSet): Promise<StoredSetEntry> {
    const path = this.setPath(set.sequence);
    const bytes = encodeSetFile(set, path);
    try {
      await writeFileAtomic(path, bytes, 0o644);
    } catch (err) {
      throw new DefinitionsStoreError(path, "can't store the set", { cause: err });
    }
    return { sequence: set.sequence, file: setFileName(set.sequence), path, size: bytes.byteLength };
  }

  /**
   * Points active.json at a stored set, atomically, with a new id. Call with the lock held.
   * @throws DefinitionsStoreError when it can't be written.
   */
  async switchActive(sequence: number, reason: ActivePointer['reason'], rolledBack: readonly number[]): Promise<ActivePointer> {
    const pointer: ActivePointer = {
      format: 1,
      sequence,
      file: setFileName(sequence),
      id: randomBytes(8).toString('hex'),
      switchedAt: new Date().toISOString(),
      reason,
      rolledBack: [...new Set(rolledBack)].sort((a, b) => a - b),
    };
    try {
      await writeFileAtomic(this.activePath, Buffer.from(`${JSON.stringify(pointer, null, 2)}\n`), 0o644);
    } catch (err) {
      throw new DefinitionsStoreError(this.activePath, "can't switch the active set", { cause: err });
    }
    return pointer;
  }

  /**
   * Deletes the set files that are neither the active set nor among the `keep - 1` highest below it,
   * and temp files left by an interrupted write. Call with the lock held. Returns the sequences
   * deleted. Files that can't be deleted are left (and tried again next time).
   */
  async prune(activeSequence: number): Promise<number[]> {
    const sets = await this.listSets();
    const older = sets.filter((s) => s.sequence < activeSequence).slice(0, this.keep - 1);
    const kept = new Set([activeSequence, ...older.map((s) => s.sequence)]);
    const deleted: number[] = [];
    for (const entry of sets) {
      if (kept.has(entry.sequence)) continue;
      if (await unlink(entry.path).then(() => true, () => false)) deleted.push(entry.sequence);
    }
    for (const name of await readdir(this.dir).catch(() => [] as string[])) {
      if (STALE_TEMP_PATTERN.test(name)) await unlink(join(this.dir, name)).catch(() => undefined);
    }
    return deleted;
  }

  /** Deletes one stored set file (after a rollback away from it). Call with the lock held. */
  async removeSet(sequence: number): Promise<void> {
    await unlink(this.setPath(sequence)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw new DefinitionsStoreError(this.setPath(sequence), "can't delete it", { cause: err });
    });
  }

  /**
   * Runs `fn` holding the store's lock file (created with O_EXCL, holding our pid). Waits while
   * another live process holds it; takes over a lock whose process is gone.
   * @throws DefinitionsStoreError when the lock can't be had within the timeout.
   */
  async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const path = join(this.dir, LOCK_FILE);
    const deadline = Date.now() + this.lockTimeoutMs;
    for (;;) {
      try {
        const handle = await open(path, 'wx', 0o644);
        try {
          await handle.writeFile(`${process.pid}\n`);
        } finally {
          await handle.close();
        }
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new DefinitionsStoreError(path, "can't take the store lock", { cause: err });
      }
      const holder = Number.parseInt(await readFile(path, 'utf8').catch(() => ''), 10);
      if (Number.isSafeInteger(holder) && holder > 0 && !isAlive(holder)) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) {
        throw new DefinitionsStoreError(path, `the definitions store is busy (locked by process ${Number.isNaN(holder) ? '?' : holder})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    try {
      return await fn();
    } finally {
      await unlink(path).catch(() => undefined);
    }
  }

  /** Reads last-check.json; null when absent or unreadable. */
  async readLastCheck<T>(): Promise<T | null> {
    try {
      return JSON.parse(await readFile(join(this.dir, LAST_CHECK_FILE), 'utf8')) as T;
    } catch {
      return null;
    }
  }

  /** Writes last-check.json atomically. @throws DefinitionsStoreError when it can't be written. */
  async writeLastCheck(value: unknown): Promise<void> {
    const path = join(this.dir, LAST_CHECK_FILE);
    try {
      await writeFileAtomic(path, Buffer.from(`${JSON.stringify(value, null, 2)}\n`), 0o644);
    } catch (err) {
      throw new DefinitionsStoreError(path, "can't record the update check", { cause: err });
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
