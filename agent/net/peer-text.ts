/** Longest piece of a peer's text kept in a message. */
const MAX_SHOWN = 300;

/**
 * Text a network peer sent (a server's message, a status line, a bit of a document), made safe to
 * put in a message that may reach a terminal or a log: C0 and C1 control characters and DEL are
 * written as `\xNN`, and it is cut at `max` characters. Never throws.
 * Local stand-in until the shared escaping function of `agent/text/` exists.
 */
export function showPeerText(text: string, max = MAX_SHOWN): string {
  const cut = text.length > max ? `${text.slice(0, max)}...` : text;
  // eslint-disable-next-line no-control-regex
  return cut.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
