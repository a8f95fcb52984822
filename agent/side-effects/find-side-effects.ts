import { posix } from 'node:path';
import { lstat } from 'node:fs/promises';
import { findCompanions, type DetectedIdentity } from './find-companions.js';
import { findFileEffects, type SearchContext } from './find-file-effects.js';
import { findLineEffects } from './find-line-effects.js';
import { listHomeFolders } from './home-folders.js';
import { makePathMatcher, type PathMatcher } from './path-reference.js';
import { listLineFiles, listWholeFileFolders } from './persistence-locations.js';
import { MIB } from './read-limited.js';
import { checkSystemPath, resolveInRoot, resolveRoot } from './rooted-path.js';
import type { FoundSideEffect, SideEffectWarning } from './side-effect.js';

/** Config files (crontabs, rc files, units, `.desktop`, passwd) larger than this are skipped. */
export const DEFAULT_MAX_CONFIG_BYTES = 1 * MIB;
/** Companion files larger than this are skipped (they are held in memory to be packaged). */
export const DEFAULT_MAX_COMPANION_BYTES = 128 * MIB;

export interface FindSideEffectsOptions {
  /** Filesystem root prefix; every system path is looked up under it. */
  readonly root: string;
  /** The detected file, as a system-namespace path (`/home/bob/.cache/x.bin`). */
  readonly detectedPath: string;
  /** Companion paths or globs from the signature's metadata (system namespace). */
  readonly companions: readonly string[];
  readonly maxConfigBytes?: number;
  readonly maxCompanionBytes?: number;
}

export interface SideEffectSearch {
  /** Companions first, then lines (in location order), then whole persistence files. */
  readonly effects: FoundSideEffect[];
  /** What could not be searched, and why; the search went on without it. */
  readonly warnings: SideEffectWarning[];
}

/**
 * Finds everything a detection left behind: the companion files its signature names, the lines
 * of crontabs, rc files and `ld.so.preload` that reference it, and the autostart entries and
 * systemd units that reference it. Unreadable, oversized, non-UTF-8 or escaping files become
 * warnings rather than failing the search.
 * @throws SideEffectPathError when the root is not a usable folder or `detectedPath` is not a
 *   clean absolute path inside it.
 */
export async function findSideEffects(options: FindSideEffectsOptions): Promise<SideEffectSearch> {
  const realRoot = await resolveRoot(options.root);
  const detectedPath = checkSystemPath(options.detectedPath);
  const maxConfigBytes = options.maxConfigBytes ?? DEFAULT_MAX_CONFIG_BYTES;
  const warnings: SideEffectWarning[] = [];
  const realPaths = new Set<string>();
  const detected = await identifyDetected(realRoot, detectedPath);
  const effects: FoundSideEffect[] = await findCompanions(
    { realRoot, maxBytes: options.maxCompanionBytes ?? DEFAULT_MAX_COMPANION_BYTES, realPaths, warnings },
    options.companions,
    detected,
  );
  const { homes, warnings: homeWarnings } = await listHomeFolders(realRoot, maxConfigBytes);
  warnings.push(...homeWarnings);
  const matcherFor = memoMatchers(detectedPath);
  for (const candidate of await listLineFiles(realRoot, homes, warnings)) {
    effects.push(...(await findLineEffects(realRoot, candidate, matcherFor(candidate.home), maxConfigBytes, realPaths, warnings)));
  }
  for (const folder of listWholeFileFolders(homes)) {
    const ctx: SearchContext = { realRoot, matches: matcherFor(folder.home), maxBytes: maxConfigBytes, realPaths, warnings, needle: Buffer.from(posix.basename(detectedPath)) };
    effects.push(...(await findFileEffects(ctx, folder)));
  }
  return { effects, warnings };
}

async function identifyDetected(realRoot: string, detectedPath: string): Promise<DetectedIdentity> {
  const rooted = await resolveInRoot(realRoot, detectedPath);
  // The detected file may already be gone; its path alone then keeps it out of the companions.
  const stat = rooted.exists ? await lstat(rooted.realPath).catch(() => undefined) : undefined;
  return stat === undefined ? { realPath: rooted.realPath } : { realPath: rooted.realPath, dev: stat.dev, ino: stat.ino };
}

function memoMatchers(detectedPath: string): (home: string | undefined) => PathMatcher {
  const cache = new Map<string | undefined, PathMatcher>();
  return (home) => {
    let matcher = cache.get(home);
    if (matcher === undefined) {
      matcher = makePathMatcher(detectedPath, home);
      cache.set(home, matcher);
    }
    return matcher;
  };
}
