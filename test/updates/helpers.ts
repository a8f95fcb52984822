/**
 * Helpers of the updates tests: a publisher with real keys that builds real packages with
 * `buildDefinitionsPackage`, sets told apart by a marker signature, and an update context on a
 * real temp state folder that records its events.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDefinitionsPackage, type BuildBase } from '../../definitions/build-package.js';
import { loadTrustedKey, writeKeyPair, type TrustedKey } from '../../definitions/keys.js';
import type { AgentEvent } from '../../agent/events/agent-event.js';
import { openUpdateContext, type UpdateContext } from '../../agent/updates/update-context.js';

export const EICAR_HDB = '44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test.HDB\n';

/** The 68-byte EICAR test file, assembled at run time. */
export function eicar(): Buffer {
  return Buffer.from(['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-', 'ANTIVIRUS-TEST-FILE!$H+H*'].join(''), 'latin1');
}

/** Bytes that only set `sequence` detects (signature `Marker.<sequence>`). */
export function markerOf(sequence: number): Buffer {
  return Buffer.from(`EPQ-TEST-MARKER-${sequence}-END`, 'latin1');
}

/** The sources of set `sequence`: EICAR, a common signature, and its own marker file. */
export function setSources(sequence: number): Record<string, string> {
  return {
    'eicar.hdb': EICAR_HDB,
    'common.ndb': `Common.Sig:0:*:${Buffer.from('EPQ-COMMON-SIG').toString('hex')}\n`,
    [`marker-${sequence}.ndb`]: `Marker.${sequence}:0:*:${markerOf(sequence).toString('hex')}\n`,
  };
}

export async function tempDir(prefix = 'epq-updates-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

export interface Publisher {
  readonly root: string;
  readonly keyFile: string;
  readonly pubFile: string;
  readonly trusted: TrustedKey;
  /** Writes set `sequence`'s sources (or `files`) to a folder and returns it. */
  sources(sequence: number, files?: Record<string, string>): Promise<string>;
  /** Builds a full package of set `sequence` (or of `files`). */
  full(sequence: number, options?: { files?: Record<string, string>; certified?: boolean; out?: string }): Promise<string>;
  /** Builds an incremental package from set `base` (its standard sources) to set `sequence`. */
  incremental(base: number, sequence: number, options?: { files?: Record<string, string>; out?: string; baseFiles?: Record<string, string> }): Promise<string>;
}

export async function makePublisher(root: string, name = 'publisher'): Promise<Publisher> {
  const pair = await writeKeyPair(join(root, name));
  const trusted = await loadTrustedKey(pair.publicKeyPath);
  let folders = 0;
  const sources = async (sequence: number, files = setSources(sequence)): Promise<string> => {
    const dir = join(root, `${name}-src-${sequence}-${folders++}`);
    await mkdir(dir);
    for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
    return dir;
  };
  const build = async (sequence: number, files: Record<string, string> | undefined, out: string, certified: boolean, base?: BuildBase): Promise<string> => {
    await buildDefinitionsPackage({
      sourceDir: await sources(sequence, files),
      sequence,
      signingKeyFile: pair.privateKeyPath,
      outFile: out,
      certified,
      created: `2025-06-${String(1 + (sequence % 28)).padStart(2, '0')}T00:00:00Z`,
      ...(base ? { base } : {}),
    });
    return out;
  };
  return {
    root,
    keyFile: pair.privateKeyPath,
    pubFile: pair.publicKeyPath,
    trusted,
    sources,
    full: (sequence, options = {}) => build(sequence, options.files, options.out ?? join(root, `${name}-defs-${sequence}.epqdefs`), options.certified ?? true),
    incremental: async (base, sequence, options = {}) => build(sequence, options.files, options.out ?? join(root, `${name}-defs-${base}-${sequence}.epqdefs`), true,
      { sourceDir: await sources(base, options.baseFiles), sequence: base }),
  };
}

export interface Recorded {
  readonly ctx: UpdateContext;
  readonly events: AgentEvent[];
}

/** Opens an update context on `stateDir` that trusts `keys` and records its events. */
export async function openContext(stateDir: string, keys: readonly TrustedKey[], options: { keep?: number; beforeSwitch?: () => void | Promise<void> } = {}): Promise<Recorded> {
  const events: AgentEvent[] = [];
  const ctx = await openUpdateContext({ stateDir, trustedKeys: keys, events: (e) => events.push(e), ...(options.keep === undefined ? {} : { keep: options.keep }) });
  return { ctx: options.beforeSwitch ? { ...ctx, beforeSwitch: options.beforeSwitch } : ctx, events };
}

/** The names of the signatures the active engine finds in `bytes`. */
export function detect(ctx: UpdateContext, bytes: Uint8Array): string[] {
  return ctx.definitions.current().engine.scanBuffer(bytes).detections.map((d) => d.signature);
}

export function eventNames(events: readonly AgentEvent[]): string[] {
  return events.map((e) => e.name);
}

export interface PublisherFixture {
  readonly root: string;
  readonly pub: Publisher;
  readonly state: string;
}

/**
 * Registers the usual hooks of an updates test file: one publisher (keys and packages) in a temp
 * folder for the whole file, and a fresh state folder for each test. `use` is told each time.
 */
export function usePublisherFixture(use: (fixture: PublisherFixture) => void): void {
  const fx = { root: '', pub: undefined as unknown as Publisher, state: '' };
  beforeAll(async () => {
    fx.root = await tempDir();
    fx.pub = await makePublisher(fx.root);
    use(fx);
  });
  afterAll(() => removeDir(fx.root));
  beforeEach(async () => {
    fx.state = await tempDir('epq-state-');
    use(fx);
  });
  afterEach(() => removeDir(fx.state));
}
