import { checkCompanionPattern, MAX_COMPANION_PATTERNS } from './companion-limits.js';
import { EpqMetaError } from './errors.js';

/** File name of the epq metadata inside a definitions set. */
export const EPQ_META_FILE_NAME = 'epq-meta.json';

/** What a detection by one signature leaves behind besides the detected file. */
export interface SideEffectDescriptor {
  /** Absolute paths or globs of files the threat drops next to itself. */
  readonly companions: readonly string[];
}

/** The parsed `epq-meta.json`: per signature name, its side-effect descriptor. */
export interface EpqMeta {
  readonly sideEffects: Readonly<Record<string, SideEffectDescriptor>>;
}

/** The metadata of a set that ships no `epq-meta.json`. */
export const EMPTY_EPQ_META: EpqMeta = Object.freeze({ sideEffects: Object.freeze({}) });

const TOP_LEVEL_KEYS = ['sideEffects'];
const DESCRIPTOR_KEYS = ['companions'];

/**
 * Parses and validates the bytes of an `epq-meta.json`. Unknown keys are refused rather than
 * ignored: a typo such as `companion` would otherwise silently disable side-effect handling.
 * @param file name used in error messages (e.g. `epq-meta.json` or a full path).
 * @throws EpqMetaError naming the JSON key that is wrong (or the JSON syntax error).
 */
export function parseEpqMeta(data: Uint8Array | string, file: string = EPQ_META_FILE_NAME): EpqMeta {
  const text = typeof data === 'string' ? data : decodeUtf8(data, file);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new EpqMetaError(file, '', `not valid JSON (${(err as Error).message})`, { cause: err });
  }
  return validateEpqMeta(raw, file);
}

/**
 * Validates an already parsed JSON value as epq metadata and returns a frozen copy.
 * @throws EpqMetaError naming the key that is wrong.
 */
export function validateEpqMeta(raw: unknown, file: string = EPQ_META_FILE_NAME): EpqMeta {
  if (!isPlainObject(raw)) throw new EpqMetaError(file, '', 'expected a JSON object at the top level');
  rejectUnknownKeys(raw, TOP_LEVEL_KEYS, '', file);
  if (raw.sideEffects === undefined) return EMPTY_EPQ_META;
  if (!isPlainObject(raw.sideEffects)) {
    throw new EpqMetaError(file, 'sideEffects', 'expected an object mapping signature names to descriptors');
  }
  const entries = Object.entries(raw.sideEffects).map(([name, descriptor]) => {
    const key = `sideEffects[${JSON.stringify(name)}]`;
    checkSignatureName(name, key, file);
    return [name, validateDescriptor(descriptor, key, file)] as const;
  });
  // Object.fromEntries defines own properties, so a signature named "__proto__" stays data.
  return Object.freeze({ sideEffects: Object.freeze(Object.fromEntries(entries)) });
}

/** Companion patterns declared for a signature name (empty when none). */
export function listCompanions(meta: EpqMeta, signatureName: string): readonly string[] {
  return Object.hasOwn(meta.sideEffects, signatureName) ? meta.sideEffects[signatureName]!.companions : [];
}

function validateDescriptor(raw: unknown, key: string, file: string): SideEffectDescriptor {
  if (!isPlainObject(raw)) throw new EpqMetaError(file, key, 'expected an object such as {"companions": [...]}');
  rejectUnknownKeys(raw, DESCRIPTOR_KEYS, key, file);
  const companionsKey = `${key}.companions`;
  if (raw.companions === undefined) throw new EpqMetaError(file, companionsKey, 'missing (a list of absolute paths or globs)');
  if (!Array.isArray(raw.companions)) throw new EpqMetaError(file, companionsKey, 'expected a list of absolute paths or globs');
  if (raw.companions.length > MAX_COMPANION_PATTERNS) {
    throw new EpqMetaError(file, companionsKey, `${raw.companions.length} patterns, more than the ${MAX_COMPANION_PATTERNS} a signature may declare`);
  }
  const companions = raw.companions.map((item: unknown, i: number) => {
    const itemKey = `${companionsKey}[${i}]`;
    if (typeof item !== 'string' || item === '') throw new EpqMetaError(file, itemKey, 'expected a non-empty string');
    const refusal = checkCompanionPattern(item);
    if (refusal !== undefined) throw new EpqMetaError(file, itemKey, `${JSON.stringify(item)} ${refusal}`);
    return item;
  });
  return Object.freeze({ companions: Object.freeze(companions) });
}

function checkSignatureName(name: string, key: string, file: string): void {
  // Same constraints as a name in the ClamAV text formats, where ':' separates fields.
  if (name.trim() === '' || name !== name.trim()) throw new EpqMetaError(file, key, 'signature name must be non-empty with no surrounding spaces');
  if (/[:\s]/.test(name)) throw new EpqMetaError(file, key, 'signature name must not contain ":" or white space');
}

function rejectUnknownKeys(obj: Record<string, unknown>, allowed: readonly string[], at: string, file: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) {
      const key = at ? `${at}.${k}` : k;
      throw new EpqMetaError(file, key, `unknown key (allowed here: ${allowed.join(', ')})`);
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function decodeUtf8(data: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch (err) {
    throw new EpqMetaError(file, '', 'not valid UTF-8 text', { cause: err });
  }
}
