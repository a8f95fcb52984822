/**
 * The form in which an agent keeps an installed set on disk: one file holding the signed header
 * of the package that produced the set, then ALL the set's files.
 *
 *   EPQSET/1\n
 *   <the manifest line of that package, byte for byte>\n
 *   <its signature line>\n
 *   <every file listed in the manifest's "files", in that order>
 *
 * Because the manifest of a full OR incremental package pins every file of the resulting set, a
 * stored set is re-verified on its own (signature, then each file's size and SHA-256), with no
 * need for the chain of packages that led to it. For a set that came in a full package the file
 * is that package with another first line. The different magic keeps the two apart: a stored set
 * of incremental origin is not a package anyone may ship.
 */
import { DefinitionsPackageError } from './errors.js';
import type { TrustedKey } from './keys.js';
import { readPackageHeader, signedSetOf, sliceBodies, verifyHeaderSignature, type SignedDefinitionsSet } from './package-format.js';

export const SET_FILE_MAGIC = 'EPQSET/1';

/**
 * Encodes a signed set for storage.
 * @throws DefinitionsPackageError when the set lacks a file its manifest lists (a programming error).
 */
export function encodeSetFile(set: SignedDefinitionsSet, label = '<set file>'): Uint8Array {
  const byName = new Map(set.files.map((f) => [f.name, f.data]));
  const bodies = set.proof.manifest.files.map((entry) => {
    const data = byName.get(entry.name);
    if (!data) throw new DefinitionsPackageError(label, `the set has no ${entry.name}, which its manifest lists`);
    return data;
  });
  const head = Buffer.concat([
    Buffer.from(`${SET_FILE_MAGIC}\n`, 'latin1'),
    set.proof.manifestBytes,
    Buffer.from(`\n${Buffer.from(set.proof.signature).toString('base64')}\n`, 'latin1'),
  ]);
  return Buffer.concat([head, ...bodies]);
}

/**
 * Verifies a stored set: magic, manifest, signature by a trusted key, every file's size and
 * SHA-256, nothing missing or appended, valid `epq-meta.json`.
 * @throws DefinitionsPackageError naming `path` and the first problem found.
 */
export function decodeSetFile(bytes: Uint8Array, path: string, trustedKeys: readonly TrustedKey[]): SignedDefinitionsSet {
  const header = readPackageHeader(bytes, path, SET_FILE_MAGIC);
  verifyHeaderSignature(header, path, trustedKeys);
  const files = sliceBodies(bytes, header.bodyOffset, header.manifest.files, path);
  return signedSetOf({ manifest: header.manifest, manifestBytes: header.manifestBytes, signature: header.signature }, files, path);
}
