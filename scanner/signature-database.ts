import { FieldSyntaxError, SignatureSyntaxError } from './errors.js';
import { HASH_FILE_ALGORITHMS, parseHashBlock } from './hash-lines.js';
import { HashTableBuilder, type HashTableData } from './hash-table.js';
import { countNewlines, forEachLine, wholeLineBlocks } from './line-reader.js';
import { parseNdbLineWithCost } from './ndb-lines.js';
import { SIGNATURE_LIMITS } from './signature-limits.js';
import type { BodySignature, HashAlgorithm } from './types.js';

/**
 * A signature file, whole in memory or as a source of chunks that can be read more than once
 * (big hash files are streamed twice: once to count lines, once to parse, so that a million
 * entries need neither the whole file in memory nor growing tables).
 * The name's extension picks the syntax; the name is used in errors.
 */
export type SignatureFile =
  | { readonly name: string; readonly data: Uint8Array }
  | { readonly name: string; readonly chunks: () => Iterable<Uint8Array> };

function chunksOf(file: SignatureFile): Iterable<Uint8Array> {
  return 'data' in file ? [file.data] : file.chunks();
}

function countLinesOf(file: SignatureFile): number {
  let n = 1;
  for (const chunk of chunksOf(file)) n += countNewlines(chunk);
  return n;
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
 *   unsupported file type), and the column for a signature over one of SIGNATURE_LIMITS.
 */
export function parseSignatureFiles(files: readonly SignatureFile[]): SignatureDatabase {
  const hashBuilders = new Map<HashAlgorithm, HashTableBuilder>();
  const allowBuilders = new Map<HashAlgorithm, HashTableBuilder>();
  const bodies: BodySignature[] = [];
  const ignored = new Set<string>();
  let shortAnchorWork = 0;
  for (const file of files) {
    const ext = extensionOf(file.name);
    if (!SIGNATURE_FILE_EXTENSIONS.includes(ext)) {
      throw new SignatureSyntaxError(file.name, 0, `unsupported signature file type "${ext || '(none)'}" (supported: ${SIGNATURE_FILE_EXTENSIONS.join(' ')})`);
    }
    let line = 1;
    if (HASH_FILE_ALGORITHMS[ext]) {
      const builders = ext === '.fp' || ext === '.sfp' ? allowBuilders : hashBuilders;
      const expected = countLinesOf(file);
      const tableFor = (a: HashAlgorithm): HashTableBuilder => {
        let b = builders.get(a);
        if (!b) builders.set(a, (b = new HashTableBuilder(a, expected)));
        return b;
      };
      for (const block of wholeLineBlocks(chunksOf(file))) line += parseHashBlock(block, file.name, line, HASH_FILE_ALGORITHMS[ext]!, tableFor);
      continue;
    }
    for (const block of wholeLineBlocks(chunksOf(file))) {
      line += forEachLine(block, line, (start, end, at) => {
        if (start === end || block[start] === 35 /* # */) return;
        const text = decoder.decode(block.subarray(start, end));
        try {
          if (ext === '.ndb') {
            const parsed = parseNdbLineWithCost(text, { file: file.name, line: at });
            if (!parsed) return;
            shortAnchorWork += parsed.cost.shortAnchorWork;
            if (shortAnchorWork > SIGNATURE_LIMITS.maxShortAnchorWorkPerByte) {
              throw new FieldSyntaxError(
                `signatures with anchors under 2 bytes cost ${shortAnchorWork} steps per scanned byte with this one; the limit for a database is ${SIGNATURE_LIMITS.maxShortAnchorWorkPerByte}`,
                parsed.bodyColumn,
              );
            }
            bodies.push(parsed.signature);
          } else {
            ignored.add(parseIgnoreLine(text));
          }
        } catch (err) {
          if (err instanceof FieldSyntaxError) throw new SignatureSyntaxError(file.name, at, err.reason, { cause: err, column: err.column });
          throw err;
        }
      });
    }
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
