/**
 * Widths as a terminal shows them (CJK and most emoji take two columns, combining marks none),
 * measured with string-width, and text cut or padded to a width. The text must already be
 * printable (see printable.ts): these functions measure, they do not escape.
 */
import stringWidth from 'string-width';

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Columns the text takes on a terminal. */
export function displayWidth(text: string): number {
  return stringWidth(text);
}

/**
 * The text cut to at most `width` columns, a cut marked with `…` (one column). A wide
 * character is never split: when it does not fit whole, the cut comes before it.
 */
export function truncateToWidth(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  const room = width - 1;
  let used = 0;
  let out = '';
  for (const { segment } of segmenter.segment(text)) {
    const w = displayWidth(segment);
    if (used + w > room) break;
    used += w;
    out += segment;
  }
  return `${out}…`;
}

/** The text cut to `width` columns and padded with spaces to exactly `width`. */
export function fitToWidth(text: string, width: number): string {
  const cut = truncateToWidth(text, width);
  return cut + ' '.repeat(Math.max(0, width - displayWidth(cut)));
}

/** Pads with spaces to `width` columns; longer text is left whole. */
export function padToWidth(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** The text broken into lines of at most `width` columns (at spaces when it can), for a reader that scrolls. */
export function wrapToWidth(text: string, width: number): string[] {
  if (width <= 0) return [];
  const lines: string[] = [];
  let line = '';
  let used = 0;
  let lastSpace = -1;
  for (const { segment } of segmenter.segment(text)) {
    const w = displayWidth(segment);
    if (used + w > width && line !== '') {
      if (lastSpace > 0) {
        lines.push(line.slice(0, lastSpace));
        line = line.slice(lastSpace + 1);
      } else {
        lines.push(line);
        line = '';
      }
      used = displayWidth(line);
      lastSpace = -1;
    }
    if (segment === ' ') lastSpace = line.length;
    line += segment;
    used += w;
  }
  lines.push(line);
  return lines;
}
