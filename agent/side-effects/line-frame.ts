import type { EditableLine } from './line-edit.js';
import type { LinePosition, LineSideEffect } from './side-effect.js';

/** One line of a frame: present in the file, or held in quarantine (absent from the file). */
export type FrameSlot = { readonly kind: 'present'; readonly line: EditableLine } | { readonly kind: 'held'; readonly effect: LineSideEffect };

/** A file's frame (see `LinePosition`), and whether the held lines' records agree with the file. */
export interface Frame {
  readonly slots: FrameSlot[];
  /**
   * True when every held line has a position, all name the same frame length, which is the
   * present lines plus the held ones, at distinct indexes: nobody else changed the line count.
   */
  readonly consistent: boolean;
}

/**
 * Merges the lines present in a file with the held lines of that file into the frame. When the
 * records agree with the file, each held line sits at its recorded index; otherwise (the file
 * was edited by someone else, or an item was deleted from the quarantine) they are merged
 * in index order as well as they fit, and `consistent` is false. Never throws.
 */
export function buildFrame(present: readonly EditableLine[], held: readonly LineSideEffect[]): Frame {
  const total = present.length + held.length;
  const positioned = held.filter((h): h is LineSideEffect & { position: LinePosition } => h.position !== undefined);
  const indexes = new Set(positioned.map((h) => h.position.index));
  const consistent =
    positioned.length === held.length &&
    indexes.size === held.length &&
    positioned.every((h) => h.position.lines === total && h.position.index < total);
  if (consistent) {
    const slots: (FrameSlot | undefined)[] = new Array(total);
    for (const h of positioned) slots[h.position.index] = { kind: 'held', effect: h };
    let next = 0;
    for (let i = 0; i < total; i++) if (slots[i] === undefined) slots[i] = { kind: 'present', line: present[next++]! };
    return { slots: slots as FrameSlot[], consistent };
  }
  const slots: FrameSlot[] = present.map((line) => ({ kind: 'present', line }));
  for (const h of [...positioned].sort((a, b) => a.position.index - b.position.index)) {
    slots.splice(Math.min(h.position.index, slots.length), 0, { kind: 'held', effect: h });
  }
  return { slots, consistent: false };
}

/** The text of a frame slot, or null outside the frame. */
export function slotText(slots: readonly FrameSlot[], index: number): string | null {
  const slot = slots[index];
  if (slot === undefined) return null;
  return slot.kind === 'present' ? slot.line.text : slot.effect.line;
}

/** The position record of the slot at `index`. */
export function positionAt(slots: readonly FrameSlot[], index: number): LinePosition {
  return { index, lines: slots.length, before: slotText(slots, index - 1), after: slotText(slots, index + 1) };
}

/** True when the frame around `position.index` still reads as recorded. */
export function fitsFrame(slots: readonly FrameSlot[], position: LinePosition): boolean {
  return slotText(slots, position.index - 1) === position.before && slotText(slots, position.index + 1) === position.after;
}
