import { posix } from 'node:path';

/** Decides whether one line of a config file mentions the detected path. */
export type PathMatcher = (line: string) => boolean;

// Characters that end a path token in the files we read: shell syntax, quotes, `=` of
// `Exec=`/`ExecStart=`, `:` of ld.so.preload, and white space. Anything else (letters, digits,
// `.`, `-`, `_`, `/`...) continues a path, so `/opt/x.bin2` and `/opt/x.bin/y` do not match.
const BOUNDARY = String.raw`\s"'\x60=;:|&<>(){}\[\],`;
// systemd puts `-`, `@`, `+`, `!` before an executable (`ExecStart=-/opt/x`), and `//x` or
// `file:///x` still name `/x`.
const PREFIX = String.raw`(?:[-@+!]{1,3}|/+)?`;
const SHELL_SPECIAL = /[\s"'\x60\\$!&;|<>()*?[\]#~{}]/g;

/**
 * Builds a matcher for the spellings of `detectedPath` that a persistence entry may use: the
 * path itself (bare or quoted) and its backslash-escaped shell form; and, when the file belongs
 * to a home folder that contains the path, `~/rel`, `$HOME/rel`, `${HOME}/rel` and systemd's
 * `%h/rel`. Comment handling is the caller's business. Never throws.
 */
export function makePathMatcher(detectedPath: string, home?: string): PathMatcher {
  const spellings = new Set<string>([detectedPath, detectedPath.replace(SHELL_SPECIAL, (c) => `\\${c}`)]);
  const rel = home === undefined ? undefined : relativeToHome(home, detectedPath);
  if (rel !== undefined) {
    for (const head of ['~', '$HOME', '${HOME}', '%h']) spellings.add(`${head}/${rel}`);
  }
  const alternatives = [...spellings].sort((a, b) => b.length - a.length).map(escapeRegExp).join('|');
  const pattern = new RegExp(`(?:^|[${BOUNDARY}])${PREFIX}(?:${alternatives})(?=$|[${BOUNDARY}])`);
  return (line) => pattern.test(line);
}

function relativeToHome(home: string, path: string): string | undefined {
  const rel = posix.relative(home, path);
  if (rel === '' || rel === '..' || rel.startsWith('../') || posix.isAbsolute(rel)) return undefined;
  return rel;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
