/**
 * The definitions package container. One file:
 *
 *   EPQDEFS/1\n
 *   <manifest as compact JSON>\n
 *   <base64 Ed25519 signature over the exact manifest bytes>\n
 *   <file bodies concatenated in manifest order>
 *
 * Only the manifest is signed; it pins every body by size and SHA-256, so one signature check
 * plus one hash per file verifies everything, and the manifest can be shown without reading the
 * bodies. The manifest is a single line so that the signed bytes are unambiguous. Its fields and
 * the rules a reader checks are in package-manifest.ts.
 *
 * Two kinds:
 *   - `full`: `files` lists every file of the set and every body follows.
 *   - `incremental` (see incremental.ts): the changes from set `baseSequence` to `sequence`.
 *     `files` STILL lists every file of the resulting set (name, size, SHA-256), `added` names
 *     the files added or replaced (their bodies follow, in `added` order) and `removed` the files
 *     of the base set that are gone. Applying one is checked against `files` as a whole.
 */
import { createHash, sign, verify } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { DefinitionsFile, DefinitionsSet } from './definitions-set.js';
import { EMPTY_EPQ_META, EPQ_META_FILE_NAME, parseEpqMeta, type EpqMeta } from './epq-meta.js';
import { DefinitionsPackageError } from './errors.js';
import type { SigningKey, TrustedKey } from './keys.js';
import { PACKAGE_FORMAT_VERSION, validateManifest, type ManifestFileEntry, type PackageManifest } from './package-manifest.js';

export const PACKAGE_MAGIC = 'EPQDEFS/1';

/** Bounds on the header lines, so a hostile file can't make us buffer or parse without limit. */
const MAX_MANIFEST_BYTES = 1024 * 1024;
const MAX_SIGNATURE_LINE_BYTES = 256;
const ED25519_SIGNATURE_BYTES = 64;

/** The parts of a package before any trust decision: for `epq defs show` and for verification. */
export interface PackageHeader {
  readonly manifest: PackageManifest;
  /** The exact bytes the signature covers. */
  readonly manifestBytes: Uint8Array;
  readonly signature: Uint8Array;
  /** Where the first file body starts. */
  readonly bodyOffset: number;
}

/** What a signature vouches for: the manifest, its exact bytes and the signature over them. */
export interface PackageProof {
  readonly manifest: PackageManifest;
  readonly manifestBytes: Uint8Array;
  readonly signature: Uint8Array;
}

/**
 * A whole set whose every file is pinned by a signed manifest (`proof`): the manifest of the full
 * package it came in, or of the incremental package that produced it. Keeping the proof lets a
 * stored set be verified again later without the packages before it.
 */
export interface SignedDefinitionsSet extends DefinitionsSet {
  readonly keyId: string;
  readonly proof: PackageProof;
}

/** A full package whose signature and bodies checked out. */
export interface VerifiedFullPackage {
  readonly kind: 'full';
  readonly path: string;
  readonly manifest: PackageManifest;
  readonly set: SignedDefinitionsSet;
}

/** An incremental package whose signature and carried bodies checked out; apply it with applyIncrementalPackage. */
export interface VerifiedIncrementalPackage {
  readonly kind: 'incremental';
  readonly path: string;
  readonly manifest: PackageManifest;
  readonly proof: PackageProof;
  readonly sequence: number;
  readonly baseSequence: number;
  /** The bodies the package carries (files added or replaced), in `manifest.added` order. */
  readonly added: readonly DefinitionsFile[];
  readonly removed: readonly string[];
}

export type VerifiedPackage = VerifiedFullPackage | VerifiedIncrementalPackage;

/**
 * Packs and signs a full definitions set. The result is checked with the same rules a reader
 * applies, so a package this writes is never one the agent would refuse for its shape.
 * @throws DefinitionsPackageError (with `path` = `label`) when the set's fields or file names are invalid.
 */
export function encodeDefinitionsPackage(set: DefinitionsSet, signingKey: SigningKey, label = '<new package>'): Uint8Array {
  const manifest: PackageManifest = {
    format: PACKAGE_FORMAT_VERSION,
    sequence: set.sequence,
    created: set.created,
    certified: set.certified,
    kind: 'full',
    keyId: signingKey.keyId,
    signatureCount: set.signatureCount,
    files: set.files.map((f) => ({ name: f.name, size: f.data.byteLength, sha256: sha256Hex(f.data) })),
  };
  return Buffer.concat([signedHead(manifest, signingKey, label), ...set.files.map((f) => f.data)]);
}

/**
 * Checks a manifest with the reader's rules, signs it and returns the package head (magic,
 * manifest line, signature line); the caller appends the bodies.
 * @throws DefinitionsPackageError (with `path` = `label`) when the manifest is invalid.
 */
export function signedHead(manifest: PackageManifest, signingKey: SigningKey, label: string): Buffer {
  validateManifest(manifest, label);
  const manifestBytes = Buffer.from(JSON.stringify(manifest), 'utf8');
  const signature = sign(null, manifestBytes, signingKey.key).toString('base64');
  return Buffer.from(`${PACKAGE_MAGIC}\n${manifestBytes.toString('utf8')}\n${signature}\n`, 'utf8');
}

/**
 * Splits a package into magic, manifest and signature and checks the manifest's shape. Does NOT
 * check the signature or the bodies: what it returns is not to be trusted.
 * @throws DefinitionsPackageError for a bad magic line, a malformed manifest or signature line.
 */
export function readPackageHeader(bytes: Uint8Array, path: string, magic: string = PACKAGE_MAGIC): PackageHeader {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magicEnd = buf.indexOf(0x0a);
  if (magicEnd < 0 || buf.subarray(0, magicEnd).toString('latin1') !== magic) {
    throw new DefinitionsPackageError(path, `not an epq definitions ${magic === PACKAGE_MAGIC ? 'package' : 'file'} (the first line is not "${magic}")`);
  }
  const manifestStart = magicEnd + 1;
  const manifestEnd = buf.indexOf(0x0a, manifestStart);
  if (manifestEnd < 0 || manifestEnd - manifestStart > MAX_MANIFEST_BYTES) {
    throw new DefinitionsPackageError(path, `manifest line is missing or longer than ${MAX_MANIFEST_BYTES} bytes`);
  }
  const manifestBytes = buf.subarray(manifestStart, manifestEnd);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(manifestBytes));
  } catch (err) {
    throw new DefinitionsPackageError(path, `manifest is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  const manifest = validateManifest(raw, path);
  const signatureStart = manifestEnd + 1;
  const signatureEnd = buf.indexOf(0x0a, signatureStart);
  if (signatureEnd < 0 || signatureEnd - signatureStart > MAX_SIGNATURE_LINE_BYTES) {
    throw new DefinitionsPackageError(path, 'signature line is missing or too long');
  }
  const signatureText = buf.subarray(signatureStart, signatureEnd).toString('latin1');
  const signature = Buffer.from(signatureText, 'base64');
  // Buffer.from(base64) skips junk silently; re-encoding catches a line that is not clean base64.
  if (signature.length !== ED25519_SIGNATURE_BYTES || signature.toString('base64') !== signatureText) {
    throw new DefinitionsPackageError(path, `signature line is not a base64 Ed25519 signature (${ED25519_SIGNATURE_BYTES} bytes)`);
  }
  return { manifest, manifestBytes, signature, bodyOffset: signatureEnd + 1 };
}

/**
 * Verifies a package of either kind: magic, manifest shape, signature by one of the trusted keys,
 * each carried file's size and SHA-256, no missing or extra bytes, and (full packages) a valid
 * `epq-meta.json`. Signature syntax is not parsed here (see testLoadDefinitions); an incremental
 * package is checked as a whole only when applied to its base (applyIncrementalPackage).
 * @throws DefinitionsPackageError naming `path` and the first problem found.
 */
export function verifyDefinitionsPackage(bytes: Uint8Array, path: string, trustedKeys: readonly TrustedKey[]): VerifiedPackage {
  const header = readPackageHeader(bytes, path);
  verifyHeaderSignature(header, path, trustedKeys);
  const { manifest } = header;
  const proof: PackageProof = { manifest, manifestBytes: header.manifestBytes, signature: header.signature };
  if (manifest.kind === 'full') {
    return { kind: 'full', path, manifest, set: signedSetOf(proof, sliceBodies(bytes, header.bodyOffset, manifest.files, path), path) };
  }
  const byName = new Map(manifest.files.map((f) => [f.name, f]));
  const carried = (manifest.added ?? []).map((name) => byName.get(name)!);
  return {
    kind: 'incremental',
    path,
    manifest,
    proof,
    sequence: manifest.sequence,
    baseSequence: manifest.baseSequence!,
    added: sliceBodies(bytes, header.bodyOffset, carried, path),
    removed: manifest.removed ?? [],
  };
}

/**
 * Verifies a FULL package and returns its set (see verifyDefinitionsPackage).
 * @throws DefinitionsPackageError naming `path` and the first problem found, including an
 *   incremental package, which is not a set on its own.
 */
export function decodeDefinitionsPackage(bytes: Uint8Array, path: string, trustedKeys: readonly TrustedKey[]): SignedDefinitionsSet {
  const pkg = verifyDefinitionsPackage(bytes, path, trustedKeys);
  if (pkg.kind === 'incremental') {
    throw new DefinitionsPackageError(path, `is an incremental package (${pkg.baseSequence}->${pkg.sequence}), not a whole set; install it over set ${pkg.baseSequence} with \`epq defs install\``);
  }
  return pkg.set;
}

/**
 * Checks that the manifest is signed by one of `trustedKeys`.
 * @throws DefinitionsPackageError for an untrusted key or a signature that does not match.
 */
export function verifyHeaderSignature(header: PackageProof, path: string, trustedKeys: readonly TrustedKey[]): void {
  const { manifest } = header;
  const key = trustedKeys.find((k) => k.keyId === manifest.keyId);
  if (!key) throw new DefinitionsPackageError(path, `signed by an untrusted key ${manifest.keyId}`);
  if (!verify(null, header.manifestBytes, key.key, header.signature)) {
    throw new DefinitionsPackageError(path, `signature does not match the manifest for key ${manifest.keyId} (the manifest was altered, or signed by a different key)`);
  }
}

/**
 * The set a signed manifest describes, given ALL its files (in manifest order, already checked
 * against it). Parses `epq-meta.json`.
 * @throws DefinitionsPackageError for an invalid `epq-meta.json`.
 */
export function signedSetOf(proof: PackageProof, files: readonly DefinitionsFile[], path: string): SignedDefinitionsSet {
  const { manifest } = proof;
  return {
    sequence: manifest.sequence,
    created: manifest.created,
    certified: manifest.certified,
    keyId: manifest.keyId,
    files,
    meta: parseMetaOf(files, path),
    signatureCount: manifest.signatureCount,
    proof,
  };
}

/**
 * Reads and verifies a package file (see decodeDefinitionsPackage).
 * @throws DefinitionsPackageError when the file can't be read or is refused.
 */
export async function readDefinitionsPackage(path: string, trustedKeys: readonly TrustedKey[]): Promise<SignedDefinitionsSet> {
  return decodeDefinitionsPackage(await readPackageFile(path), path, trustedKeys);
}

/**
 * Reads a package file's header without verifying it (for display only).
 * @throws DefinitionsPackageError when the file can't be read or its header is malformed.
 */
export async function inspectDefinitionsPackage(path: string): Promise<PackageHeader> {
  return readPackageHeader(await readPackageFile(path), path);
}

/**
 * Cuts the bodies of `entries` (in order) out of `bytes` from `offset`, checking each size and
 * SHA-256 and that nothing is missing or appended.
 * @throws DefinitionsPackageError for truncated data, trailing bytes or a hash mismatch.
 */
export function sliceBodies(bytes: Uint8Array, offset: number, entries: readonly ManifestFileEntry[], path: string): DefinitionsFile[] {
  const expected = entries.reduce((sum, e) => sum + e.size, 0);
  const available = bytes.byteLength - offset;
  if (available < expected) {
    throw new DefinitionsPackageError(path, `truncated: the manifest lists ${expected} bytes of file data but only ${available} follow`);
  }
  if (available > expected) {
    throw new DefinitionsPackageError(path, `${available - expected} unexpected trailing bytes after the last file`);
  }
  const files: DefinitionsFile[] = [];
  let at = offset;
  for (const entry of entries) {
    // Copy, so the set does not pin the whole package buffer in memory.
    const data = Uint8Array.prototype.slice.call(bytes, at, at + entry.size);
    at += entry.size;
    if (sha256Hex(data) !== entry.sha256) {
      throw new DefinitionsPackageError(path, `file ${entry.name}: SHA-256 does not match the manifest (content altered)`);
    }
    files.push({ name: entry.name, data });
  }
  return files;
}

function parseMetaOf(files: readonly DefinitionsFile[], path: string): EpqMeta {
  const metaFile = files.find((f) => f.name === EPQ_META_FILE_NAME);
  if (!metaFile) return EMPTY_EPQ_META;
  try {
    return parseEpqMeta(metaFile.data, EPQ_META_FILE_NAME);
  } catch (err) {
    throw new DefinitionsPackageError(path, `invalid ${(err as Error).message}`, { cause: err });
  }
}

async function readPackageFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    // A missing file needs no errno detail; anything else keeps the fs error as the cause.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new DefinitionsPackageError(path, 'package file not found');
    throw new DefinitionsPackageError(path, "can't read the package", { cause: err });
  }
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
