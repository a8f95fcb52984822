import type { ServerResponse } from 'node:http';

/**
 * Headers on every console answer: a CSP with no inline script or style and no framing, no
 * MIME sniffing, no referrer to other sites, no caching of pages that show samples.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // Not no-referrer: under it a browser sends "Origin: null" with its own forms, which the Origin check refuses.
  'referrer-policy': 'same-origin',
  'cache-control': 'no-store',
};

/** Sends a console answer with the security headers. Never throws. */
export function sendConsole(res: ServerResponse, status: number, contentType: string, body: string | Buffer, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendHtml(res: ServerResponse, status: number, page: string, headers: Record<string, string> = {}): void {
  sendConsole(res, status, 'text/html; charset=utf-8', page, headers);
}

/** 303 See Other: after a form, the browser GETs `location`. */
export function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  sendConsole(res, 303, 'text/plain; charset=utf-8', '', { location, ...headers });
}

/**
 * A download name safe in a Content-Disposition header: the base name only, an ASCII fallback
 * with every other character replaced, and the exact name in RFC 5987 `filename*`. Never throws.
 */
export function contentDisposition(fileName: string): string {
  const base = fileName.split(/[\\/]/).filter(Boolean).pop() ?? 'sample';
  const ascii = base.replace(/[^A-Za-z0-9._ -]/g, '_').replace(/^\.+/, '_') || 'sample';
  // RFC 5987 attr-char also excludes ' ( ) * ! which encodeURIComponent leaves.
  const exact = encodeURIComponent(base).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}
