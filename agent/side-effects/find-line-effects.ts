import type { PathMatcher } from './path-reference.js';
import type { LineFileCandidate } from './persistence-locations.js';
import { readLimitedFile, ReadSkip } from './read-limited.js';
import type { LineSideEffect, SideEffectWarning } from './side-effect.js';
import { decodeText, dominantEnding, isCommentLine, parseLines, type TextLine } from './text-lines.js';

/**
 * The lines of one persistence file that reference the detected path, each recorded with its
 * neighbours and the file's mode and owner. Comment lines are not entries and are skipped. A
 * file already searched under another name (`realPaths`, e.g. `.profile` linked to `.bashrc`)
 * is not searched twice. Never throws for a file problem: it adds a warning instead (a missing
 * file is silently nothing).
 */
export async function findLineEffects(
  realRoot: string,
  candidate: LineFileCandidate,
  matches: PathMatcher,
  maxBytes: number,
  realPaths: Set<string>,
  warnings: SideEffectWarning[],
): Promise<LineSideEffect[]> {
  const read = await readLimitedFile(realRoot, candidate.systemPath, maxBytes);
  if (read instanceof ReadSkip) {
    if (read.code !== 'ENOENT') warnings.push(read.toWarning());
    return [];
  }
  if (realPaths.has(read.rooted.realPath)) return [];
  realPaths.add(read.rooted.realPath);
  let lines: TextLine[];
  try {
    lines = parseLines(decodeText(read.bytes));
  } catch (err) {
    warnings.push({ path: candidate.systemPath, reason: `${(err as Error).message}; not searched` });
    return [];
  }
  const fallbackEnding = dominantEnding(lines);
  const effects: LineSideEffect[] = [];
  lines.forEach((line, index) => {
    if (isCommentLine(line.text) || !matches(line.text)) return;
    effects.push({
      kind: 'line',
      role: candidate.role,
      path: candidate.systemPath,
      lineIndex: index,
      line: line.text,
      before: index > 0 ? lines[index - 1]!.text : null,
      after: index + 1 < lines.length ? lines[index + 1]!.text : null,
      newline: line.eol === '' ? fallbackEnding : line.eol,
      terminated: line.eol !== '',
      fileMode: read.stat.mode & 0o7777,
      fileUid: read.stat.uid,
      fileGid: read.stat.gid,
    });
  });
  return effects;
}
