import type { LineSideEffect } from './side-effect.js';
import type { TextLine } from './text-lines.js';

/** Where a restored line went. */
export type LinePlacement = 'in-place' | 'after-context' | 'appended' | 'already-present';

/** A line of a file being edited; `claimed` marks a line one effect has already taken. */
export interface EditableLine extends TextLine {
  claimed?: boolean;
}

/**
 * Index of the unclaimed line whose text is exactly `text`, nearest to `near` (the earlier one
 * on a tie), or -1. "Nearest" lets an edit find its line again after other lines moved it.
 */
export function findNearestLine(lines: readonly EditableLine[], text: string, near: number, includeClaimed = false): number {
  let best = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if ((line.claimed && !includeClaimed) || line.text !== text) continue;
    if (best === -1 || Math.abs(i - near) < Math.abs(best - near)) best = i;
  }
  return best;
}

/**
 * Puts one line effect back into `lines` (mutating it) and says where it went: already there
 * (an identical unclaimed line anywhere: a second copy of a persistence entry is never wanted),
 * at its recorded index when the neighbours still match, right after its `before` line, or at
 * the end. The line object is returned (indexes shift as other lines go in). `next` is the effect recorded on the line just below, when it is being restored in
 * the same pass: its text stands for the `after` neighbour that is not back yet.
 */
export function placeLine(lines: EditableLine[], effect: LineSideEffect, next?: LineSideEffect): { placement: LinePlacement; line: EditableLine } {
  const present = findNearestLine(lines, effect.line, effect.lineIndex);
  if (present !== -1) {
    const line = lines[present]!;
    line.claimed = true;
    return { placement: 'already-present', line };
  }
  if (fitsInPlace(lines, effect, next)) return { placement: 'in-place', line: insertLine(lines, effect.lineIndex, effect) };
  if (effect.before !== null) {
    const anchor = findNearestLine(lines, effect.before, effect.lineIndex - 1, true);
    if (anchor !== -1) return { placement: 'after-context', line: insertLine(lines, anchor + 1, effect) };
  }
  return { placement: 'appended', line: insertLine(lines, lines.length, effect) };
}

function fitsInPlace(lines: readonly EditableLine[], effect: LineSideEffect, next?: LineSideEffect): boolean {
  const at = effect.lineIndex;
  if (at > lines.length) return false;
  const beforeOk = effect.before === null ? at === 0 : at > 0 && lines[at - 1]!.text === effect.before;
  const afterIsNext = next !== undefined && next.lineIndex === at + 1 && next.line === effect.after;
  const afterOk = effect.after === null ? at === lines.length : afterIsNext || (at < lines.length && lines[at]!.text === effect.after);
  return beforeOk && afterOk;
}

function insertLine(lines: EditableLine[], index: number, effect: LineSideEffect): EditableLine {
  const atEnd = index === lines.length;
  // The line that used to end the file had no ending; it needs one now that it is not last.
  const previous = lines[index - 1];
  if (atEnd && previous !== undefined && previous.eol === '') previous.eol = effect.newline;
  const line: EditableLine = { text: effect.line, eol: atEnd && !effect.terminated ? '' : effect.newline, claimed: true };
  lines.splice(index, 0, line);
  return line;
}
