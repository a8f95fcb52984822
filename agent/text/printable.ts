/**
 * Text from outside (file names, signature names, server replies, config values) made safe to
 * show on a terminal: every character that could move the cursor, start an escape sequence,
 * reorder the line or break it is shown as an escape (`\n`, `\x1b`, `\u202e`), never sent raw.
 * Bytes that are not valid UTF-8 (a name from the file system read as a Buffer) are shown as
 * `\xNN`. A backslash is left as it is, so escaping twice changes nothing; `--json` gives the
 * exact text when the difference between `\n` and a backslash followed by `n` matters.
 */

const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * C0 and C1 controls and DEL; bidi embeddings, overrides and isolates, the implicit direction
 * marks; line and paragraph separators; lone surrogates. Everything else prints as itself.
 */
// With the `u` flag a surrogate pair is one code point, so the surrogate range matches lone ones only.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufff9-\ufffb\ud800-\udfff]/gu;

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.charCodeAt(0);
  return code < 0x80 ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`;
}

function hex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0');
}

/** Escapes what must not reach a terminal in text that is already decoded. */
function escapeString(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there starts none. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const b = bytes[i]!;
  if (b < 0x80) return 1;
  let length: number;
  let min: number;
  if (b >= 0xc2 && b <= 0xdf) [length, min] = [2, 0x80];
  else if (b >= 0xe0 && b <= 0xef) [length, min] = [3, 0x800];
  else if (b >= 0xf0 && b <= 0xf4) [length, min] = [4, 0x10000];
  else return 0;
  if (i + length > bytes.length) return 0;
  let cp = b & (0xff >> (length + 1));
  for (let k = 1; k < length; k++) {
    const c = bytes[i + k]!;
    if ((c & 0xc0) !== 0x80) return 0;
    cp = (cp << 6) | (c & 0x3f);
  }
  // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not valid UTF-8.
  if (cp < min || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) return 0;
  return length;
}

/** Decodes the valid runs of UTF-8 and writes each invalid byte as `\xNN`. */
function decodeBytes(bytes: Uint8Array): string {
  const decoder = new TextDecoder('utf-8');
  let out = '';
  let start = 0;
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += escapeString(decoder.decode(bytes.subarray(start, i))) + `\\x${hex(bytes[i]!, 2)}`;
    i++;
    start = i;
  }
  return out + escapeString(decoder.decode(bytes.subarray(start)));
}

/**
 * The text as it may be shown to a person: one line, with nothing a terminal would act on.
 * Never throws.
 */
export function printable(text: string | Uint8Array): string {
  if (typeof text === 'string') return escapeString(text);
  // A server's JSON can put a number or an object where a name belongs.
  return text instanceof Uint8Array ? decodeBytes(text) : escapeString(String(text));
}

/** Whether `printable(text)` would change the text (it holds something a terminal acts on). */
export function needsEscaping(text: string): boolean {
  return new RegExp(UNSAFE.source, 'u').test(text);
}
