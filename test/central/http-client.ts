import { request, type IncomingHttpHeaders } from 'node:http';
import { createHash } from 'node:crypto';

export interface RawReply {
  status: number;
  headers: IncomingHttpHeaders;
  json: any;
  text: string;
}

/** One plain HTTP request as any client could send it; the body may be cut short with `sendOnly`. */
export function rawRequest(url: string, method: string, headers: Record<string, string>, body?: Buffer): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown = null;
        try {
          json = JSON.parse(text);
        } catch {
          json = null;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json, text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** The headers of a well-formed upload of `body` as sample `id`; override any with `extra`. */
export function sampleHeaders(id: string, body: Buffer, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': 'application/octet-stream',
    'x-sample-id': id,
    'x-sample-checksum': sha256(body),
    'x-sample-size': String(body.length),
    'x-sample-file-name': encodeURIComponent('report été.exe'),
    'x-date-quarantined': '2025-03-04T05:06:07.000Z',
    'x-scan-virus-name': 'Eicar-Test-Signature',
    'x-scan-signatures-sequence': '0',
    'x-platform-user': 'alice',
    'x-platform-computer': 'ws-17',
    ...extra,
  };
}

export function postSample(base: string, id: string, body: Buffer, extra: Record<string, string> = {}, sent: Buffer = body): Promise<RawReply> {
  return rawRequest(`${base}/samples`, 'POST', sampleHeaders(id, body, extra), sent);
}
