/**
 * Incremental definitions packages: the changes from set `baseSequence` to set `sequence`.
 *
 * The manifest of an incremental package lists EVERY file of the resulting set in `files` (name,
 * size, SHA-256), like a full package, plus:
 *   - `baseSequence`: the set the changes apply to; applying over any other set is refused;
 *   - `added`: files added or replaced, whose bodies follow the header in this order;
 *   - `removed`: files of the base set that the result drops.
 * Files in `files` but not in `added` are kept from the base. Applying rebuilds the whole set and
 * checks it against `files`, so a base that differs from the one the package was built against
 * (same sequence, other content) is refused instead of producing a set nobody signed.
 */
import type { DefinitionsFile, DefinitionsSet } from './definitions-set.js';
import { DefinitionsPackageError } from './errors.js';
import type { SigningKey } from './keys.js';
import {
  sha256Hex,
  signedHead,
  signedSetOf,
  type SignedDefinitionsSet,
  type VerifiedIncrementalPackage,
} from './package-format.js';
import { PACKAGE_FORMAT_VERSION, type PackageManifest } from './package-manifest.js';

/** What an incremental package changes, by file name. */
export interface SetChanges {
  /** Files new in the set or whose bytes differ from the base, in set order. */
  readonly added: readonly string[];
  /** Files of the base that the set no longer has, in base order. */
  readonly removed: readonly string[];
}

/** Compares two sets by file name and content. Does not throw. */
export function diffSets(base: Pick<DefinitionsSet, 'files'>, set: Pick<DefinitionsSet, 'files'>): SetChanges {
  const baseHashes = new Map(base.files.map((f) => [f.name, sha256Hex(f.data)]));
  const names = new Set(set.files.map((f) => f.name));
  return {
    added: set.files.filter((f) => baseHashes.get(f.name) !== sha256Hex(f.data)).map((f) => f.name),
    removed: base.files.filter((f) => !names.has(f.name)).map((f) => f.name),
  };
}

/**
 * Packs and signs the changes from `base` to `set` as an incremental package.
 * @throws RangeError when `set.sequence` is not above `base.sequence`; DefinitionsPackageError
 *   (with `path` = `label`) when the set's fields or file names are invalid.
 */
export function encodeIncrementalPackage(
  base: Pick<DefinitionsSet, 'sequence' | 'files'>,
  set: DefinitionsSet,
  signingKey: SigningKey,
  label = '<new package>',
): Uint8Array {
  if (set.sequence <= base.sequence) {
    throw new RangeError(`sequence ${set.sequence} must be above the base sequence ${base.sequence}`);
  }
  const changes = diffSets(base, set);
  const manifest: PackageManifest = {
    format: PACKAGE_FORMAT_VERSION,
    sequence: set.sequence,
    baseSequence: base.sequence,
    created: set.created,
    certified: set.certified,
    kind: 'incremental',
    keyId: signingKey.keyId,
    signatureCount: set.signatureCount,
    files: set.files.map((f) => ({ name: f.name, size: f.data.byteLength, sha256: sha256Hex(f.data) })),
    added: changes.added,
    removed: changes.removed,
  };
  const byName = new Map(set.files.map((f) => [f.name, f.data]));
  return Buffer.concat([signedHead(manifest, signingKey, label), ...changes.added.map((name) => byName.get(name)!)]);
}

/**
 * Applies a verified incremental package to its base set and checks the result, file by file,
 * against the signed manifest. `baseLabel` names the base in the message ("active", "base").
 * @throws DefinitionsPackageError naming the package: wrong base sequence (`incremental package
 *   7->9 needs base 7, active is 6`), a removed file the base lacks, a base file the package
 *   neither keeps nor removes, or a resulting file whose size or SHA-256 differs from the manifest.
 */
export function applyIncrementalPackage(base: DefinitionsSet, pkg: VerifiedIncrementalPackage, baseLabel = 'active'): SignedDefinitionsSet {
  const fail = (reason: string): never => {
    throw new DefinitionsPackageError(pkg.path, reason);
  };
  const step = `${pkg.baseSequence}->${pkg.sequence}`;
  if (base.sequence !== pkg.baseSequence) fail(`incremental package ${step} needs base ${pkg.baseSequence}, ${baseLabel} is ${base.sequence}`);
  const fromBase = new Map(base.files.map((f) => [f.name, f]));
  const carried = new Map(pkg.added.map((f) => [f.name, f]));
  const kept = new Set(pkg.manifest.files.map((f) => f.name));
  for (const name of pkg.removed) {
    if (!fromBase.has(name)) fail(`incremental package ${step} removes ${name}, which base set ${base.sequence} does not have (not the base it was built against)`);
  }
  for (const file of base.files) {
    if (!kept.has(file.name) && !pkg.removed.includes(file.name)) {
      fail(`incremental package ${step} neither keeps nor removes ${file.name} of base set ${base.sequence} (not the base it was built against)`);
    }
  }
  const files: DefinitionsFile[] = pkg.manifest.files.map((entry) => {
    const file = carried.get(entry.name) ?? fromBase.get(entry.name);
    if (!file) return fail(`incremental package ${step}: ${entry.name} is neither in the package nor in base set ${base.sequence}`);
    const origin = carried.has(entry.name) ? 'from the package' : `kept from base set ${base.sequence}`;
    if (file.data.byteLength !== entry.size || sha256Hex(file.data) !== entry.sha256) {
      fail(`result does not match the manifest: ${entry.name} (${origin}) differs from the signed size and SHA-256 (not the base it was built against)`);
    }
    return file;
  });
  return signedSetOf(pkg.proof, files, pkg.path);
}
