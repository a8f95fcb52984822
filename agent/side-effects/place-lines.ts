import { buildFrame, fitsFrame } from './line-frame.js';
import { placeLine, type EditableLine, type LinePlacement } from './line-edit.js';
import type { LineSideEffect } from './side-effect.js';
import { dominantEnding } from './text-lines.js';

/** Where one restored line went, and why its recorded position was not used, if it was not. */
export interface PlacedLine {
  readonly effect: LineSideEffect;
  readonly placement: LinePlacement;
  readonly line: EditableLine;
  /** Set when the documented fallback placed the line (the file changed, or an old record). */
  readonly fallback?: string;
}

/**
 * Puts `restoring` lines back among the `present` lines of their file, given the lines of the
 * same file that other items still hold. Exact when the frame is consistent and the recorded
 * neighbours of a line still surround its frame slot: the result is the frame minus the lines
 * still held, which is byte for byte the file as it was with those lines out. Otherwise each
 * such line takes the fallback (`placeLine`: already there, at its index, after its `before`
 * line, or appended) and says why; lines someone added at the end of the file since are the one
 * outside edit still placed exactly (the rest forms the frame), also said. Returns the new lines
 * in file order. Never throws.
 */
export function placeLines(present: readonly EditableLine[], restoring: readonly LineSideEffect[], held: readonly LineSideEffect[]): { lines: EditableLine[]; placed: PlacedLine[] } {
  const exact = placeInFrame(present, restoring, held);
  if (exact.misfits.length === 0) return finish(exact.lines, exact.placed, restoring, [], '');
  // The usual outside edit is a line appended at the end (an admin's new cron job): the lines
  // before it still form the frame, so every line goes back exactly and the tail stays last.
  const added = addedAtEnd(present, restoring, held);
  if (added > 0) {
    const head = placeInFrame(present.slice(0, present.length - added), restoring, held);
    if (head.misfits.length === 0) {
      const note = `the file changed since the line was removed (${added} line(s) added at its end); put back at its recorded place among the others`;
      const placed = new Map([...head.placed].map(([e, p]) => [e, { ...p, fallback: note }]));
      return finish([...head.lines, ...present.slice(present.length - added)], placed, restoring, [], '');
    }
  }
  return finish(exact.lines, exact.placed, restoring, exact.misfits, exact.why);
}

/** How many more lines the file has than the frame recorded (0 when unknown or not more). */
function addedAtEnd(present: readonly EditableLine[], restoring: readonly LineSideEffect[], held: readonly LineSideEffect[]): number {
  const recorded = [...held, ...restoring].map((e) => e.position?.lines);
  const total = recorded[0];
  if (total === undefined || recorded.some((t) => t !== total)) return 0;
  return Math.max(0, present.length + held.length + restoring.length - total);
}

/** The lines placed by the frame, and those that don't fit it (with why). */
function placeInFrame(present: readonly EditableLine[], restoring: readonly LineSideEffect[], held: readonly LineSideEffect[]): { lines: EditableLine[]; placed: Map<LineSideEffect, PlacedLine>; misfits: LineSideEffect[]; why: string } {
  const frame = buildFrame(present, [...held, ...restoring]);
  const mine = new Set(restoring);
  const placed = new Map<LineSideEffect, PlacedLine>();
  const lines: EditableLine[] = [];
  const misfits: LineSideEffect[] = [];
  if (frame.consistent) {
    for (const slot of frame.slots) {
      if (slot.kind === 'present') lines.push(slot.line);
      else if (!mine.has(slot.effect)) continue;
      else if (fitsFrame(frame.slots, slot.effect.position!)) {
        const line = freshLine(slot.effect);
        lines.push(line);
        placed.set(slot.effect, { effect: slot.effect, placement: 'in-place', line });
      } else misfits.push(slot.effect);
    }
  } else {
    lines.push(...present);
    misfits.push(...restoring);
  }
  const why = frame.consistent ? 'the lines around it changed since it was removed' : mismatch(present.length, held.length, restoring);
  return { lines, placed, misfits, why };
}

/** The misfits placed by the fallback (`placeLine`), each saying why; lines in file order. */
function finish(lines: EditableLine[], placed: Map<LineSideEffect, PlacedLine>, restoring: readonly LineSideEffect[], misfits: readonly LineSideEffect[], why: string): { lines: EditableLine[]; placed: PlacedLine[] } {
  const sorted = [...misfits].sort((a, b) => a.lineIndex - b.lineIndex);
  sorted.forEach((effect, k) => placed.set(effect, { effect, ...placeLine(lines, effect, sorted[k + 1]), fallback: why }));
  terminateInnerLines(lines);
  return { lines, placed: restoring.map((e) => placed.get(e)!) };
}

function freshLine(effect: LineSideEffect): EditableLine {
  return { text: effect.line, eol: effect.terminated ? effect.newline : '', claimed: true };
}

function mismatch(present: number, held: number, restoring: readonly LineSideEffect[]): string {
  const recorded = restoring.find((e) => e.position !== undefined)?.position;
  if (recorded === undefined) return 'its position was not recorded (removed by an older version)';
  const expected = recorded.lines - held - restoring.length;
  return `the file changed since the line was removed (${present} lines where ${expected} were expected)`;
}

/** A line left without an ending by a fallback placement gets one unless it is the last. */
function terminateInnerLines(lines: EditableLine[]): void {
  const ending = dominantEnding(lines);
  for (let i = 0; i < lines.length - 1; i++) if (lines[i]!.eol === '') lines[i]!.eol = ending;
}
