/**
 * A text file as a list of lines that each keep their own line ending, so that taking one line
 * out and putting it back yields the very same bytes (CRLF files stay CRLF, a missing final
 * newline stays missing, mixed endings survive).
 */

export type LineEnding = '' | '\n' | '\r\n';

export interface TextLine {
  text: string;
  /** Empty only for a last line that has no ending. */
  eol: LineEnding;
}

/** Thrown when a file is not UTF-8; we refuse to edit what we could not write back identically. */
export class NotTextError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('not valid UTF-8 text', options);
    this.name = 'NotTextError';
  }
}

/**
 * Decodes UTF-8 strictly, keeping a byte-order mark as text so the rewrite reproduces it.
 * @throws NotTextError on invalid UTF-8.
 */
export function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch (err) {
    throw new NotTextError({ cause: err });
  }
}

/** Splits text into lines; `''` gives no lines and `'a\n'` gives one. */
export function parseLines(text: string): TextLine[] {
  const lines: TextLine[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    if (nl === -1) {
      lines.push({ text: text.slice(start), eol: '' });
      break;
    }
    const crlf = nl > start && text[nl - 1] === '\r';
    lines.push({ text: text.slice(start, crlf ? nl - 1 : nl), eol: crlf ? '\r\n' : '\n' });
    start = nl + 1;
  }
  return lines;
}

/** Joins lines back into text, each with its own ending. */
export function joinLines(lines: readonly TextLine[]): string {
  return lines.map((l) => l.text + l.eol).join('');
}

/** The ending a file mostly uses, for a line that needs one and has none of its own. */
export function dominantEnding(lines: readonly TextLine[]): '\n' | '\r\n' {
  let crlf = 0;
  let lf = 0;
  for (const l of lines) {
    if (l.eol === '\r\n') crlf++;
    else if (l.eol === '\n') lf++;
  }
  return crlf > lf ? '\r\n' : '\n';
}

/** True for blank-prefixed `#` comment lines, which no cron, shell or loader executes. */
export function isCommentLine(text: string): boolean {
  return /^\s*#/.test(text);
}
