import { FieldSyntaxError, SignatureSyntaxError } from './errors.js';
import { HASH_FILE_ALGORITHMS, parseHashLine } from './hash-lines.js';
import { HashTableBuilder, type HashTableData } from './hash-table.js';
import { countLines, forEachLine } from './line-reader.js';
import { parseNdbLine } from './ndb-lines.js';
import type { BodySignature, HashAlgorithm } from './types.js';

export interface SignatureFile {
  /** File name with its extension; the extension picks the syntax, the name is used in errors. */
  readonly name: string;
  readonly data: Uint8Array;
}

export const SIGNATURE_FILE_EXTENSIONS: readonly string[] = ['.hdb', '.hsb', '.ndb', '.fp', '.sfp', '.ign2'];

/** Everything parsed from a set of signature files, ready to compile into an engine. */
export interface SignatureDatabase {
  readonly hashTables: readonly HashTableData[];
  readonly allowTables: readonly HashTableData[];
  readonly bodies: readonly BodySignature[];
  readonly ignoredNames: readonly string[];
  /** Detection signatures (hash + body), after functionality-level filtering. */
  readonly signatureCount: number;
}

const decoder = new TextDecoder('utf-8', { fatal: false });

export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot < 0 ? '' : name.slice(dot).toLowerCase();
}

/**
 * Parses signature files in ClamAV syntax (`.hdb .hsb .ndb .fp .sfp .ign2`).
 * Blank lines and lines starting with `#` are skipped; everything else must parse.
 * @throws SignatureSyntaxError naming the file, the line and what is wrong (including an
 *   unsupported file type).
 */
export function parseSignatureFiles(files: readonly SignatureFile[]): SignatureDatabase {
  const hashBuilders = new Map<HashAlgorithm, HashTableBuilder>();
  const allowBuilders = new Map<HashAlgorithm, HashTableBuilder>();
  const bodies: BodySignature[] = [];
  const ignored = new Set<string>();
  for (const file of files) {
    const ext = extensionOf(file.name);
    const expected = countLines(file.data);
    const builders = ext === '.fp' || ext === '.sfp' ? allowBuilders : hashBuilders;
    const tableFor = (a: HashAlgorithm): HashTableBuilder => {
      let b = builders.get(a);
      if (!b) builders.set(a, (b = new HashTableBuilder(a, expected)));
      return b;
    };
    if (!SIGNATURE_FILE_EXTENSIONS.includes(ext)) {
      throw new SignatureSyntaxError(file.name, 0, `unsupported signature file type "${ext || '(none)'}" (supported: ${SIGNATURE_FILE_EXTENSIONS.join(' ')})`);
    }
    forEachLine(file.data, (start, end, line) => {
      if (start === end || file.data[start] === 35 /* # */) return;
      try {
        if (ext === '.ndb') {
          const sig = parseNdbLine(decoder.decode(file.data.subarray(start, end)), { file: file.name, line });
          if (sig) bodies.push(sig);
        } else if (ext === '.ign2') {
          ignored.add(parseIgnoreLine(decoder.decode(file.data.subarray(start, end))));
        } else {
          parseHashLine(file.data, start, end, HASH_FILE_ALGORITHMS[ext]!, tableFor);
        }
      } catch (err) {
        if (err instanceof FieldSyntaxError) throw new SignatureSyntaxError(file.name, line, err.reason, { cause: err });
        throw err;
      }
    });
  }
  const hashTables = [...hashBuilders.values()].map((b) => b.finish());
  const allowTables = [...allowBuilders.values()].map((b) => b.finish());
  const hashCount = hashTables.reduce((n, t) => n + t.count, 0);
  return { hashTables, allowTables, bodies, ignoredNames: [...ignored], signatureCount: hashCount + bodies.length };
}

function parseIgnoreLine(line: string): string {
  const name = line.trim();
  if (name.includes(':')) {
    throw new FieldSyntaxError(`"${name}": only plain signature names are supported in .ign2`);
  }
  return name;
}
