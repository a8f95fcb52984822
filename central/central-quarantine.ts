import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Engine } from '../scanner/engine.js';
import { classifySample } from './classify-sample.js';
import { openCentralDatabase, type CentralDb } from './central-database.js';
import { SampleRefusal } from './central-errors.js';
import { reanalyzeSample, reanalyzeSamples, type ReanalysisSummary } from './reanalyze-samples.js';
import { receiveSample } from './receive-sample.js';
import { SampleBlobs } from './sample-blobs.js';
import { SampleQuota } from './sample-quota.js';
import { SampleRecords } from './sample-records.js';
import { parseSampleHeaders, SampleHeaderError, type CentralSample, type SampleAttributes, type StatusReply, type UploadReply } from './wire-format.js';

/** The definitions the server scans with: its own, possibly newer than the endpoints'. */
export interface CentralDefinitions {
  readonly engine: Engine;
  readonly sequence: number | null;
  readonly label: string;
}

/** How soon an agent may retry an id that is still arriving on another connection. */
const BUSY_RETRY_AFTER_SEC = 2;

/**
 * The Central Quarantine's storage and intake: verifies, scans, stores and reports samples.
 * HTTP routing lives in `central-server.ts`; this class only sees requests it must read.
 */
export class CentralQuarantine {
  private readonly inFlight = new Set<string>();

  private constructor(
    /** For the console's own tables and queries. */
    readonly db: CentralDb,
    readonly records: SampleRecords,
    private readonly blobs: SampleBlobs,
    readonly quota: SampleQuota,
    readonly definitions: CentralDefinitions,
  ) {}

  /**
   * Opens (creating) the data folder: database, blob folder and key, and cleans up after a crash.
   * `uploadDeadlineSec`: how long an upload in progress can hold its reservation at most (the
   * Retry-After of a 507 caused by such reservations).
   * @throws CentralStoreError naming the folder or file that is unusable.
   */
  static open(dataDir: string, maxBytes: number, definitions: CentralDefinitions, uploadDeadlineSec = 30): { central: CentralQuarantine; cleaned: { orphans: number; missing: number } } {
    const blobs = new SampleBlobs(dataDir);
    const db = openCentralDatabase(join(dataDir, 'central.db'));
    const records = new SampleRecords(db);
    const { orphans, missing } = blobs.reconcile(records.allIds());
    for (const id of missing) records.remove(id);
    const central = new CentralQuarantine(db, records, blobs, new SampleQuota(maxBytes, records.usage().bytes, uploadDeadlineSec), definitions);
    return { central, cleaned: { orphans, missing: missing.length } };
  }

  close(): void {
    this.db.close();
  }

  /**
   * Analyses again the samples stored under older definitions than the server's (see
   * `reanalyzeSamples`); `stopping` is asked between samples. Never throws.
   */
  reanalyzeStale(log: (line: string) => void, stopping: () => boolean): Promise<ReanalysisSummary> {
    return reanalyzeSamples({ records: this.records, blobs: this.blobs, engine: this.definitions.engine, sequence: this.definitions.sequence, log, stopping });
  }

  /**
   * Takes one upload. A sample id already stored with the same checksum is acknowledged
   * (200, `duplicate`) without reading the body; otherwise the body is verified, scanned and
   * stored (201).
   * @throws SampleRefusal with the guide's word: `missing`/`malformed`/`type` (headers),
   *   `declined` (409 same id with other content, 413 too big, 507 full), `overrun`,
   *   `underrun`, `content`, `lost`, `internal`; 503 `internal` while the same id is arriving
   *   on another connection.
   */
  async accept(req: IncomingMessage): Promise<{ status: 200 | 201; reply: UploadReply }> {
    const attrs = parseAttributes(req);
    const existing = this.records.get(attrs.id);
    if (existing) return { status: 200, reply: this.duplicate(existing, attrs) };
    if (this.inFlight.has(attrs.id)) {
      throw new SampleRefusal('internal', 503, `sample ${attrs.id} is arriving on another connection; try again shortly`, { id: attrs.id, retryAfterSec: BUSY_RETRY_AFTER_SEC });
    }
    this.quota.reserve(attrs.id, attrs.size);
    this.inFlight.add(attrs.id);
    try {
      const sample = await this.store(req, attrs);
      this.quota.commit(attrs.size);
      return { status: 201, reply: { ...sample, duplicate: false } };
    } catch (err) {
      this.quota.release(attrs.size);
      throw err;
    } finally {
      this.inFlight.delete(attrs.id);
    }
  }

  private duplicate(existing: CentralSample, attrs: SampleAttributes): UploadReply {
    if (existing.checksum !== attrs.checksum) {
      throw new SampleRefusal('declined', 409, `sample ${attrs.id} is already stored with other content; sample ids must be unique`, { id: attrs.id });
    }
    this.records.countReceipt(attrs.id);
    return { ...existing, receipts: existing.receipts + 1, duplicate: true };
  }

  private async store(req: IncomingMessage, attrs: SampleAttributes): Promise<CentralSample> {
    const received = await receiveSample(req, attrs, this.blobs, this.definitions.engine);
    const verdict = classifySample({
      detections: received.detections,
      serverSequence: this.definitions.sequence,
      endpointSequence: attrs.sequence,
      endpointVirus: attrs.virusName,
      size: attrs.size,
    });
    try {
      // Blob first (fsynced), row second: a crash in between leaves an orphan blob that start-up
      // deletes, never a row without its bytes.
      await received.blob.publish();
    } catch (err) {
      await received.blob.discard();
      throw new SampleRefusal('internal', 500, `sample ${attrs.id}: can't store it (${(err as Error).message})`, { id: attrs.id, retryAfterSec: 60 }, { cause: err });
    }
    this.records.insert(attrs, { ...verdict, scanSequence: this.definitions.sequence, errors: [] }, new Date().toISOString());
    return this.records.get(attrs.id)!;
  }

  /**
   * Deletes a stored sample: its row and history first, then its blob (a blob left by a crash in
   * between is an orphan that start-up removes). False when there was no such sample.
   */
  deleteSample(id: string): boolean {
    const sample = this.records.get(id);
    if (!sample) return false;
    this.records.remove(id);
    this.blobs.removeSample(id);
    this.quota.free(sample.size);
    return true;
  }

  /**
   * A stored sample's plain bytes, verified (the tag is checked before anything is returned).
   * @throws CentralStoreError naming the blob when it is missing, damaged or tampered with.
   */
  sampleBytes(id: string): Buffer {
    const pieces: Buffer[] = [];
    this.blobs.readSample(id, (piece) => pieces.push(Buffer.from(piece)));
    return Buffer.concat(pieces);
  }

  /**
   * "Queue for automatic analysis": the sample goes to `Released`, is analysed again with the
   * server's definitions (the server plays the gateway), and gets the status that analysis gives.
   */
  analyseAgain(id: string, log: (line: string) => void): 'changed' | 'same' | 'failed' | 'gone' {
    this.records.setStatus(id, 'Released', new Date().toISOString(), 'queued for automatic analysis at the console');
    return reanalyzeSample({ records: this.records, blobs: this.blobs, engine: this.definitions.engine, log }, id, this.definitions.sequence);
  }

  /** The agent's status query: what is known of each id, and which ids are unknown. */
  statusOf(ids: readonly string[]): StatusReply {
    const samples: CentralSample[] = [];
    const unknown: string[] = [];
    for (const id of ids) {
      const s = this.records.get(id);
      if (s) samples.push(s);
      else unknown.push(id);
    }
    return { samples, unknown };
  }
}

function parseAttributes(req: IncomingMessage): SampleAttributes {
  try {
    return parseSampleHeaders(req.headers);
  } catch (err) {
    if (!(err instanceof SampleHeaderError)) throw err;
    const id = typeof req.headers['x-sample-id'] === 'string' ? req.headers['x-sample-id'] : undefined;
    throw new SampleRefusal(err.word, err.word === 'type' ? 415 : 400, err.message, id !== undefined ? { id } : {}, { cause: err });
  }
}
