import { parseBody } from './body-syntax.js';
import { FieldSyntaxError } from './errors.js';
import { appliesToThisLevel } from './functionality-level.js';
import { parseOffset } from './offset-syntax.js';
import { checkBodyLimits, type SignatureCost } from './signature-limits.js';
import type { BodySignature, SourceRef } from './types.js';

/**
 * ClamAV target types epq accepts. Only 0 (any file) is matched exactly as ClamAV does; the
 * others are matched against the raw file as if they were 0 (documented in the README), which
 * can only add detections, never hide one.
 */
export const MAX_TARGET_TYPE = 14;

/** A parsed `.ndb` line, with what it costs a scan and the column where its body starts. */
export interface NdbLine {
  readonly signature: BodySignature;
  readonly cost: SignatureCost;
  readonly bodyColumn: number;
}

/**
 * Parses one `.ndb` line: `name:target:offset:hexbody[:minlevel[:maxlevel]]`.
 * Returns null when the line's functionality levels exclude it.
 * @throws FieldSyntaxError describing the bad field, or the limit of SIGNATURE_LIMITS it exceeds
 *   (then with the column in the line).
 */
export function parseNdbLine(line: string, source: SourceRef): BodySignature | null {
  return parseNdbLineWithCost(line, source)?.signature ?? null;
}

/** As parseNdbLine, with the signature's cost for database-wide limits. @throws as parseNdbLine. */
export function parseNdbLineWithCost(line: string, source: SourceRef): NdbLine | null {
  const fields = line.split(':');
  if (fields.length < 4 || fields.length > 6) {
    throw new FieldSyntaxError(`expected name:target:offset:hexbody[:minlevel[:maxlevel]], found ${fields.length} fields`);
  }
  const [name, targetText, offsetText, body, minText, maxText] = fields as [string, string, string, string, string?, string?];
  if (name.length === 0) throw new FieldSyntaxError('empty signature name');
  if (!/^\d+$/.test(targetText) || Number(targetText) > MAX_TARGET_TYPE) {
    throw new FieldSyntaxError(`unsupported target type "${targetText}" (expected 0-${MAX_TARGET_TYPE})`);
  }
  const offset = parseOffset(offsetText);
  const bodyColumn = name.length + targetText.length + offsetText.length + 4;
  const partColumns: number[] = [];
  const parts = parseBody(body, partColumns);
  const level = (text: string | undefined, what: string): number | undefined => {
    if (text === undefined || text === '') return undefined;
    if (!/^\d+$/.test(text)) throw new FieldSyntaxError(`${what} "${text}" is not a decimal number`);
    return Number(text);
  };
  const min = level(minText, 'minimum functionality level');
  const max = level(maxText, 'maximum functionality level');
  if (!appliesToThisLevel(min, max)) return null;
  const cost = checkBodyLimits(parts, partColumns.map((c) => c + bodyColumn - 1));
  return { signature: { name, target: Number(targetText), offset, parts, source, line }, cost, bodyColumn };
}
