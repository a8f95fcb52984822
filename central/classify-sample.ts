import type { ScanVerdict } from './sample-records.js';

export interface ClassifyInput {
  /** Names of the signatures the server's definitions found (empty: nothing). */
  readonly detections: readonly string[];
  /** Sequence of the server's definitions (null: a ClamAV folder, which has none). */
  readonly serverSequence: number | null;
  /** Sequence the endpoint detected it with. */
  readonly endpointSequence: number | null;
  readonly endpointVirus: string;
  readonly size: number;
}

/**
 * The sample's state and status (the guide's Appendix A) after the server scanned it with its
 * own definitions:
 *   - nothing to scan (empty)                     -> `uninfectable`, `Unneeded`
 *   - detected                                    -> `infected`, `Unneeded` (the current
 *     definitions already handle it), virus = the server's name for it
 *   - not detected, server definitions newer      -> `misfired`, `Needed`: the endpoint's
 *     detection was a mistake its newer definitions (sequence `definitionsNeeded`) correct
 *   - not detected, server definitions not newer  -> `uninfected`, `Attention`: the endpoint
 *     knows something the server doesn't; a person should look
 * Never throws.
 */
export function classifySample(input: ClassifyInput): Omit<ScanVerdict, 'errors' | 'scanSequence'> {
  if (input.size === 0) return { state: 'uninfectable', status: 'Unneeded', virus: input.endpointVirus, definitionsNeeded: null };
  if (input.detections.length > 0) return { state: 'infected', status: 'Unneeded', virus: input.detections[0]!, definitionsNeeded: null };
  const newer = input.serverSequence !== null && input.endpointSequence !== null && input.serverSequence > input.endpointSequence;
  if (newer) return { state: 'misfired', status: 'Needed', virus: input.endpointVirus, definitionsNeeded: input.serverSequence };
  return { state: 'uninfected', status: 'Attention', virus: input.endpointVirus, definitionsNeeded: null };
}
