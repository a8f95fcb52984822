import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Engine } from '../scanner/engine.js';
import { classifySample } from './classify-sample.js';
import type { SampleBlobs } from './sample-blobs.js';
import type { SampleRecords } from './sample-records.js';

export interface ReanalysisSummary {
  /** Definitions sequence the samples were analysed again with; null = nothing to compare (a ClamAV folder). */
  readonly sequence: number | null;
  readonly scanned: number;
  /** Samples whose state, status or virus name changed. */
  readonly changed: number;
  /** Samples whose blob could not be read; each has the error in its Errors column. */
  readonly failed: number;
  /** True when the server closed before every stale sample was done (the rest wait for the next start). */
  readonly interrupted: boolean;
}

export interface ReanalysisInput {
  readonly records: SampleRecords;
  readonly blobs: SampleBlobs;
  readonly engine: Engine;
  readonly sequence: number | null;
  /** One line per sample whose verdict changed or could not be made. */
  readonly log: (line: string) => void;
  /** Asked between samples: true stops the pass (the server is closing). */
  readonly stopping: () => boolean;
}

/**
 * Analyses again, with the server's definitions, every stored sample last analysed with an
 * older sequence, and records the new state, status and virus name: the agents' next status
 * query sees them. One sample per event-loop turn, so uploads and queries are answered meanwhile.
 * Never throws: a sample that can't be read keeps its verdict and gets the `content` error.
 */
export async function reanalyzeSamples(input: ReanalysisInput): Promise<ReanalysisSummary> {
  const { records, sequence } = input;
  const summary = { sequence, scanned: 0, changed: 0, failed: 0, interrupted: false };
  // Without a sequence (a ClamAV folder) there is no "newer": samples keep their verdicts.
  if (sequence === null) return summary;
  for (const id of records.staleIds(sequence)) {
    await nextTurn();
    if (input.stopping()) return { ...summary, interrupted: true };
    const outcome = reanalyzeSample(input, id, sequence);
    if (outcome === 'failed') summary.failed++;
    if (outcome === 'changed' || outcome === 'same') summary.scanned++;
    if (outcome === 'changed') summary.changed++;
  }
  return summary;
}

/**
 * Analyses one stored sample again with the server's definitions and records the verdict (and
 * the status transition, when there is one). Never throws: a sample that can't be read keeps
 * its verdict and gets the `content` error.
 */
export function reanalyzeSample(input: Omit<ReanalysisInput, 'stopping' | 'sequence'>, id: string, sequence: number | null): 'changed' | 'same' | 'failed' | 'gone' {
  const { records, blobs, engine } = input;
  const sample = records.get(id);
  if (!sample) return 'gone';
  const now = new Date().toISOString();
  const scan = engine.createScan(sample.size);
  try {
    blobs.readSample(id, (piece) => scan.update(piece));
  } catch (err) {
    records.addError(id, { word: 'content', message: `reanalysis with definitions ${sequence ?? '(no sequence)'} failed: ${(err as Error).message}`, at: now });
    input.log(`reanalysis of ${id} failed: ${(err as Error).message}`);
    return 'failed';
  }
  const verdict = classifySample({
    detections: scan.finish().detections.map((d) => d.signature),
    serverSequence: sequence,
    endpointSequence: sample.endpointSequence,
    endpointVirus: sample.endpointVirus,
    size: sample.size,
  });
  records.setVerdict(id, { ...verdict, scanSequence: sequence }, now);
  if (verdict.state === sample.state && verdict.status === sample.status && verdict.virus === sample.virus) return 'same';
  input.log(`reanalyzed ${id} ${JSON.stringify(sample.fileName)} with definitions ${sequence ?? '(no sequence)'}: ${sample.state}, ${sample.status} -> ${verdict.state}, ${verdict.status}${verdict.state === 'infected' ? ` (${verdict.virus})` : ''}`);
  return 'changed';
}
