import type { CentralSample } from '../wire-format.js';

/** One `X-` attribute of a sample as the properties page shows it: name, value, one-line definition. */
export interface SampleAttribute {
  readonly name: string;
  readonly value: string;
  readonly definition: string;
}

const text = (v: string | number | null): string => (v === null ? '' : String(v));

/**
 * A sample's attributes in the guide's `X-` naming: the ones the agent sent (wire-format
 * HEADERS) and the ones the server set by analysing it. Never throws.
 */
export function listSampleAttributes(s: CentralSample): SampleAttribute[] {
  const rows: [string, string | number | null, string][] = [
    ['X-Sample-Id', s.id, 'Unique identifier the submitting computer gave the sample.'],
    ['X-Sample-Checksum', s.checksum, 'SHA-256 of the sample\'s bytes, checked when it arrived.'],
    ['X-Sample-Size', s.size, 'Size of the sample in bytes.'],
    ['X-Sample-Type', 'file', 'Kind of sample: the bytes of one file.'],
    ['X-Sample-File-Name', s.fileName, 'Path of the infected item on the submitting computer.'],
    ['X-Sample-Priority', s.priority, 'Submission priority; above 0, the sample is queued for automatic analysis.'],
    ['X-Sample-Side-Effects', s.sideEffects, 'Side effects (persistence entries) the agent removed with the file.'],
    ['X-Sample-Status', s.status, 'Processing status of the sample (Appendix A).'],
    ['X-Date-Quarantined', s.dateQuarantined, 'When the submitting computer quarantined the item.'],
    ['X-Date-Received', s.dateReceived, 'When the Central Quarantine received the sample.'],
    ['X-Date-Analyzed', s.dateAnalyzed, 'When the sample reached its final analysis state.'],
    ['X-Scan-Virus-Name', s.endpointVirus, 'Name the submitting computer detected the item as.'],
    ['X-Scan-Signatures-Sequence', s.endpointSequence, 'Definitions sequence the submitting computer detected it with.'],
    ['X-Analysis-State', s.state, 'Analysis state of the sample (Appendix A, final states).'],
    ['X-Analysis-Virus-Name', s.virus, 'Name of the virus the Central Quarantine identified, else the endpoint\'s.'],
    ['X-Analysis-Signatures-Sequence', s.scanSequence, 'Definitions sequence the Central Quarantine analysed it with.'],
    ['X-Signatures-Sequence', s.definitionsNeeded, 'Sequence of the definitions needed to resolve the sample.'],
    ['X-Platform-User', s.user, 'User whose file it was (empty when user data is stripped).'],
    ['X-Platform-Computer', s.computer, 'Computer on which the item was discovered.'],
    ['X-Platform-Address', s.address, 'Network address of the submitting computer.'],
    ['X-Sample-Receipts', s.receipts, 'How many uploads of this sample arrived (it is stored once).'],
  ];
  return rows.map(([name, value, definition]) => ({ name, value: text(value), definition }));
}
