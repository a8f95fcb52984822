/**
 * Installing a definitions package (or a chain of them) into the store and the running agent.
 *
 * In order: read and verify each package (signature by a trusted key, file hashes); take the
 * store lock and catch up with the store; refuse a sequence that is not above the active one;
 * apply incremental packages to the active set (checked against the signed manifest); test-load
 * the result (parse, compile, EICAR self-test); store the set file; switch active.json; prune;
 * swap the running engine. Every refusal is returned as data AND reported as a `definitions
 * refused` event naming the package; the running set and active.json are untouched by it.
 */
import { readFile } from 'node:fs/promises';
import { BUILTIN_SEQUENCE, loadBuiltinSet } from '../../definitions/builtin-set.js';
import type { DefinitionsSet } from '../../definitions/definitions-set.js';
import type { EpqMeta } from '../../definitions/epq-meta.js';
import { DefinitionsPackageError } from '../../definitions/errors.js';
import { applyIncrementalPackage } from '../../definitions/incremental.js';
import { verifyDefinitionsPackage, type SignedDefinitionsSet, type VerifiedPackage } from '../../definitions/package-format.js';
import type { Engine } from '../../scanner/engine.js';
import type { SignatureDatabase } from '../../scanner/signature-database.js';
import { loadDefinitionsSet, type LoadedDefinitions } from './active-definitions.js';
import { describeError } from './store-errors.js';
import { syncWithStore, type UpdateContext } from './update-context.js';

/** A package file path, or bytes with a name for messages (e.g. the URL they came from). */
export type PackageInput = string | { readonly bytes: Uint8Array; readonly name: string };

export interface InstallSuccess {
  readonly installed: true;
  readonly sequence: number;
  readonly created: string;
  readonly certified: boolean;
  readonly label: string;
  readonly signatureCount: number;
  readonly engine: Engine;
  readonly meta: EpqMeta;
  readonly database: SignatureDatabase;
  /** The sequence that was active before. */
  readonly previousSequence: number;
  /** The packages applied, in order. */
  readonly packages: readonly string[];
}

export interface InstallRefusal {
  readonly installed: false;
  /** The package the refusal is about. */
  readonly package: string;
  readonly reason: string;
  /** The sequence still active. */
  readonly activeSequence: number;
}

export type InstallResult = InstallSuccess | InstallRefusal;

/** A refusal on its way out of the locked section. */
class Refusal extends Error {
  constructor(readonly pkg: string, readonly reason: string) {
    super(`${pkg}: ${reason}`);
  }
}

/**
 * Installs one package, or a chain applied in order (e.g. incrementals 7->8->9, or a full set
 * then incrementals on top of it): the chain is applied in memory, and only its result is
 * tested, stored and made active. Never throws for a bad package or store problem: see the result.
 */
export async function installDefinitions(input: PackageInput | readonly PackageInput[], ctx: UpdateContext): Promise<InstallResult> {
  const inputs: readonly PackageInput[] = Array.isArray(input) ? input : [input as PackageInput];
  const names = inputs.map(nameOf);
  try {
    if (inputs.length === 0) throw new Refusal('<none>', 'no package to install');
    if (ctx.trustedKeys.length === 0) throw new Refusal(names[0]!, 'no public key is trusted to sign definitions (definitions.trustedKeys)');
    const packages: VerifiedPackage[] = [];
    for (const one of inputs) packages.push(verify(nameOf(one), await bytesOf(one), ctx));
    return await ctx.store.withLock(() => installVerified(packages, ctx));
  } catch (err) {
    const refusal = err instanceof Refusal ? err : new Refusal(names[names.length - 1] ?? '<none>', describeError(err));
    return refuse(ctx, refusal.pkg, refusal.reason);
  }
}

async function installVerified(packages: readonly VerifiedPackage[], ctx: UpdateContext): Promise<InstallSuccess> {
  const active = await syncWithStore(ctx);
  let result: SignedDefinitionsSet | null = null;
  let sequence = active.sequence;
  for (const pkg of packages) {
    if (pkg.manifest.sequence <= sequence) {
      const than = result === null ? `the active ${sequence}` : `${sequence}, the package before it`;
      throw new Refusal(pkg.path, `sequence ${pkg.manifest.sequence} is not newer than ${than}`);
    }
    if (pkg.kind === 'full') {
      result = pkg.set;
    } else {
      const baseLabel: string = result === null ? 'active' : 'the package before it';
      if (pkg.baseSequence !== sequence) throw new Refusal(pkg.path, `incremental package ${pkg.baseSequence}->${pkg.sequence} needs base ${pkg.baseSequence}, ${baseLabel} is ${sequence}`);
      const base: DefinitionsSet = result ?? (await activeSet(active, ctx));
      result = guard<SignedDefinitionsSet>(pkg.path, () => applyIncrementalPackage(base, pkg, baseLabel));
    }
    sequence = pkg.manifest.sequence;
  }
  const last = packages[packages.length - 1]!;
  const set = result!;
  const tested: LoadedDefinitions = guard(last.path, () => loadDefinitionsSet(set, last.path, null));
  await ctx.store.writeSet(set);
  await ctx.beforeSwitch?.();
  const pointer = await ctx.store.readPointer().catch(() => null);
  const switched = await ctx.store.switchActive(set.sequence, 'install', (pointer?.rolledBack ?? []).filter((s) => s !== set.sequence));
  // Pruning is housekeeping: a file that can't be deleted now is deleted next time.
  await ctx.store.prune(set.sequence).catch(() => []);
  const loaded: LoadedDefinitions = { ...tested, label: `${tested.label} from ${last.path}`, pointerId: switched.id };
  ctx.definitions.swap(loaded, 'install');
  const names = packages.map((p) => p.path);
  const kind = set.certified ? 'certified' : 'non-certified';
  ctx.events({
    name: set.certified ? 'new certified definitions arrived' : 'new non-certified definitions arrived',
    severity: 'info',
    message: `New ${kind} definitions arrived: sequence ${set.sequence}, created ${set.created}, from ${names.join(' + ')}`,
    data: { sequence: set.sequence, created: set.created, certified: set.certified, packages: names },
  });
  ctx.events({
    name: 'definitions installed',
    severity: 'info',
    message: `Definitions sequence ${set.sequence} installed (was ${active.sequence}): ${loaded.signatureCount} signatures`,
    data: { sequence: set.sequence, previous: active.sequence, signatureCount: loaded.signatureCount, packages: names, keyId: set.keyId },
  });
  return {
    installed: true,
    sequence: set.sequence,
    created: set.created,
    certified: set.certified,
    label: loaded.label,
    signatureCount: loaded.signatureCount,
    engine: loaded.engine,
    meta: loaded.meta,
    database: loaded.database,
    previousSequence: active.sequence,
    packages: names,
  };
}

/** The files of the active set, read back (and verified) from the store, or the built-in set. */
async function activeSet(active: LoadedDefinitions, ctx: UpdateContext): Promise<DefinitionsSet> {
  if (active.sequence === BUILTIN_SEQUENCE) return loadBuiltinSet();
  return ctx.store.readSet(active.sequence, ctx.trustedKeys);
}

/**
 * Reports a refusal (event `definitions refused`) and returns it as data. Exported for the
 * update checks, which refuse things (an index entry that lies about its package) before install.
 */
export function refuse(ctx: UpdateContext, pkg: string, reason: string): InstallRefusal {
  const activeSequence = ctx.definitions.current().sequence;
  ctx.events({
    name: 'definitions refused',
    severity: 'warning',
    message: `Definitions package ${pkg} refused: ${reason} (sequence ${activeSequence} stays active)`,
    data: { package: pkg, reason, activeSequence },
  });
  return { installed: false, package: pkg, reason, activeSequence };
}

function verify(name: string, bytes: Uint8Array, ctx: UpdateContext): VerifiedPackage {
  return guard(name, () => verifyDefinitionsPackage(bytes, name, ctx.trustedKeys));
}

/** Runs `fn`, turning a DefinitionsPackageError into a refusal of `pkg`. */
function guard<T>(pkg: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof DefinitionsPackageError) throw new Refusal(pkg, describeError(err));
    throw err;
  }
}

async function bytesOf(input: PackageInput): Promise<Uint8Array> {
  if (typeof input !== 'string') return input.bytes;
  try {
    return await readFile(input);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Refusal(input, 'package file not found');
    throw new Refusal(input, `can't read the package: ${(err as Error).message}`);
  }
}

function nameOf(input: PackageInput): string {
  return typeof input === 'string' ? input : input.name;
}
