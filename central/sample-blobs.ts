import { createCipheriv, createDecipheriv, randomBytes, type CipherGCM } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { CentralStoreError } from './central-errors.js';

/** Blob layout: magic (4) | version (1) | IV (12) | AES-256-GCM ciphertext | tag (16). */
const MAGIC = Buffer.from('EPQC');
const VERSION = 1;
const IV_LENGTH = 12;
const KEY_LENGTH = 32;
const SUFFIX = '.sample';
const TAG_LENGTH = 16;
const HEADER_LENGTH = MAGIC.length + 1 + IV_LENGTH;
const READ_CHUNK = 1 << 20;

/**
 * Reads the server's key, creating it (mode 0600, never overwriting) on first start.
 * @throws CentralStoreError when the file is unreadable or not a key.
 */
function loadOrCreateKey(path: string): Buffer {
  try {
    writeFileSync(path, randomBytes(KEY_LENGTH), { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new CentralStoreError(path, `can't create the key: ${(err as Error).message}`, { cause: err });
  }
  let key: Buffer;
  try {
    key = readFileSync(path);
  } catch (err) {
    throw new CentralStoreError(path, `can't read the key: ${(err as Error).message}`, { cause: err });
  }
  if (key.length !== KEY_LENGTH) throw new CentralStoreError(path, `the key must be ${KEY_LENGTH} bytes, it is ${key.length}`);
  return key;
}

/** A sample being received: encrypted into `incoming/` until it is verified and published. */
export class IncomingBlob {
  private readonly cipher: CipherGCM;
  private written = false;

  constructor(private readonly fh: FileHandle, readonly tempPath: string, private readonly finalPath: string, key: Buffer, id: string) {
    const iv = randomBytes(IV_LENGTH);
    this.cipher = createCipheriv('aes-256-gcm', key, iv);
    // The id is authenticated: a blob renamed to another sample's name fails to decrypt.
    this.cipher.setAAD(Buffer.from(id));
    this.pendingHeader = Buffer.concat([MAGIC, Buffer.from([VERSION]), iv]);
  }
  private pendingHeader: Buffer | null;

  async write(plain: Buffer): Promise<void> {
    const out = this.cipher.update(plain);
    const header = this.pendingHeader;
    this.pendingHeader = null;
    await this.fh.write(header ? Buffer.concat([header, out]) : out);
    this.written = true;
  }

  /** Finishes the blob, makes its bytes durable (one fdatasync) and moves it into `samples/`. */
  async publish(): Promise<void> {
    if (!this.written) await this.write(Buffer.alloc(0));
    await this.fh.write(Buffer.concat([this.cipher.final(), this.cipher.getAuthTag()]));
    await this.fh.datasync();
    await this.fh.close();
    await rename(this.tempPath, this.finalPath);
  }

  /** Drops a sample that was refused or lost. Never throws. */
  async discard(): Promise<void> {
    await this.fh.close().catch(() => {});
    await unlink(this.tempPath).catch(() => {});
  }
}

/**
 * The blob folder: each stored sample encrypted at rest under the server's own key, so that
 * live malware never sits where a scanner on the server would find (or run) it.
 */
export class SampleBlobs {
  readonly samplesDir: string;
  readonly incomingDir: string;
  private readonly key: Buffer;

  /** @throws CentralStoreError when the folders or the key can't be made or read. */
  constructor(dataDir: string) {
    this.samplesDir = join(dataDir, 'samples');
    this.incomingDir = join(dataDir, 'incoming');
    for (const dir of [dataDir, this.samplesDir, this.incomingDir]) {
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
      } catch (err) {
        throw new CentralStoreError(dir, `can't create the folder: ${(err as Error).message}`, { cause: err });
      }
    }
    this.key = loadOrCreateKey(join(dataDir, 'key'));
  }

  pathOf(id: string): string {
    return join(this.samplesDir, `${id}${SUFFIX}`);
  }

  /**
   * Opens a new temp blob for `id` (a unique name, so two uploads of one id never collide).
   * @throws the system error of open (ENOSPC, EACCES, ...).
   */
  async createIncoming(id: string): Promise<IncomingBlob> {
    const temp = join(this.incomingDir, `${id}.${randomBytes(6).toString('hex')}.part`);
    const fh = await open(temp, 'wx', 0o600);
    return new IncomingBlob(fh, temp, this.pathOf(id), this.key, id);
  }

  /**
   * Decrypts a stored sample, handing `onPlain` its bytes a piece at a time (each valid only
   * during the call). The pieces are provisional until this returns: the tag is checked last.
   * @throws CentralStoreError naming the blob when it is missing, unreadable, damaged or
   *   tampered with.
   */
  readSample(id: string, onPlain: (piece: Buffer) => void): void {
    const path = this.pathOf(id);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw new CentralStoreError(path, `can't open the sample: ${(err as Error).message}`, { cause: err });
    }
    try {
      const size = fstatSync(fd).size;
      const header = Buffer.alloc(HEADER_LENGTH);
      const tag = Buffer.alloc(TAG_LENGTH);
      if (size < HEADER_LENGTH + TAG_LENGTH || readSync(fd, header, 0, HEADER_LENGTH, 0) !== HEADER_LENGTH || readSync(fd, tag, 0, TAG_LENGTH, size - TAG_LENGTH) !== TAG_LENGTH
        || !header.subarray(0, MAGIC.length).equals(MAGIC) || header[MAGIC.length] !== VERSION) {
        throw new CentralStoreError(path, 'the sample blob is damaged (bad header)');
      }
      const decipher = createDecipheriv('aes-256-gcm', this.key, header.subarray(MAGIC.length + 1));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(tag);
      const buf = Buffer.allocUnsafe(Math.min(READ_CHUNK, size));
      for (let at = HEADER_LENGTH, end = size - TAG_LENGTH; at < end; ) {
        const n = readSync(fd, buf, 0, Math.min(buf.length, end - at), at);
        if (n === 0) throw new CentralStoreError(path, 'the sample blob is damaged (short read)');
        at += n;
        onPlain(decipher.update(buf.subarray(0, n)));
      }
      try {
        decipher.final();
      } catch (err) {
        throw new CentralStoreError(path, 'the sample blob failed its integrity check (tampered or damaged)', { cause: err });
      }
    } catch (err) {
      if (err instanceof CentralStoreError) throw err;
      throw new CentralStoreError(path, `can't read the sample: ${(err as Error).message}`, { cause: err });
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Start-up clean-up after a crash: empties `incoming/`, deletes blobs that no row names, and
   * returns the recorded ids whose blob is missing (the caller drops those rows, so the agent
   * is told "unknown" and sends them again). Never throws for a single file it can't remove.
   */
  reconcile(recorded: ReadonlySet<string>): { orphans: number; missing: string[] } {
    for (const name of readdirSync(this.incomingDir)) this.tryUnlink(join(this.incomingDir, name));
    const present = new Set<string>();
    let orphans = 0;
    for (const name of readdirSync(this.samplesDir)) {
      const id = name.endsWith(SUFFIX) ? name.slice(0, -SUFFIX.length) : null;
      if (id !== null && recorded.has(id)) {
        present.add(id);
      } else {
        this.tryUnlink(join(this.samplesDir, name));
        orphans++;
      }
    }
    return { orphans, missing: [...recorded].filter((id) => !present.has(id)) };
  }

  /** Deletes a stored sample's blob; one that can't be removed now is an orphan for the next start. */
  removeSample(id: string): void {
    this.tryUnlink(this.pathOf(id));
  }

  private tryUnlink(path: string): void {
    try {
      unlinkSync(path);
    } catch {
      // Left for the next start; it is never read.
    }
  }
}
