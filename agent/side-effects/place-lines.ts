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
 * line, or appended) and says why. Returns the new lines in file order. Never throws.
 */
export function placeLines(present: readonly EditableLine[], restoring: readonly LineSideEffect[], held: readonly LineSideEffect[]): { lines: EditableLine[]; placed: PlacedLine[] } {
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
