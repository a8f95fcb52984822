import { classifyReply } from '../../agent/forward/upload-outcome.js';
import { backoffDelay, parseRetryAfter } from '../../agent/forward/retry-policy.js';
import { parseSampleHeaders, refusalWord, SampleHeaderError, toSampleHeaders, type SampleAttributes } from '../../central/wire-format.js';

const attrs: SampleAttributes = {
  id: '0123abcd', checksum: 'a'.repeat(64), size: 42, fileName: 'résumé 2024.pdf.exe', dateQuarantined: '2025-01-02T03:04:05.000Z',
  virusName: 'Test.Virus', sequence: 7, priority: 1, sideEffects: 2, user: 'jürgen', computer: 'ws-1', address: '10.1.2.3',
};

/** The shared wire format, from both ends. */
describe('wire format', () => {
  it('round-trips attributes through headers, non-ASCII names included', () => {
    const headers = toSampleHeaders(attrs, false);
    expect(Object.values(headers).every((v) => /^[\x20-\x7e]*$/.test(v))).toBe(true);
    expect(parseSampleHeaders(headers)).toEqual(attrs);
  });

  it('leaves the user out when user data is stripped', () => {
    const headers = toSampleHeaders(attrs, true);
    expect(headers['x-platform-user']).toBeUndefined();
    expect(parseSampleHeaders(headers).user).toBeNull();
  });

  it('names the header that is missing or malformed', () => {
    const { ['x-sample-size']: _size, ...noSize } = toSampleHeaders(attrs, false);
    expect(() => parseSampleHeaders(noSize)).toThrow(new SampleHeaderError('missing', 'x-sample-size', 'the x-sample-size header is missing'));
    expect(() => parseSampleHeaders({ ...toSampleHeaders(attrs, false), 'x-sample-size': '-1' })).toThrow(/x-sample-size must be a whole number/);
    expect(() => parseSampleHeaders({ ...toSampleHeaders(attrs, false), 'x-sample-file-name': '%E0%A4%A' })).toThrow(/percent-encoded/);
  });

  it('takes the refusal word from the answer, else from the HTTP status', () => {
    expect(refusalWord(400, { error: 'underrun' })).toBe('underrun');
    expect(refusalWord(413, '<html>Request Entity Too Large</html>')).toBe('declined');
    expect(refusalWord(422, null)).toBe('content');
    expect(refusalWord(415, { error: 'not-a-guide-word' })).toBe('type');
  });

  it('never takes garbage for an acknowledgement', () => {
    expect(classifyReply(200, {}, 'OK', 'x', 0).kind).toBe('retry');
    expect(classifyReply(201, {}, JSON.stringify({ id: 'other', state: 'infected', status: 'Unneeded', checksum: 'c' }), 'x', 0).kind).toBe('retry');
    expect(classifyReply(201, {}, JSON.stringify({ id: 'x', state: 'infected', status: 'Unneeded', checksum: 'c' }), 'x', 0).kind).toBe('accepted');
    expect(classifyReply(401, {}, '', 'x', 0)).toMatchObject({ kind: 'retry', reason: expect.stringMatching(/token/) });
    expect(classifyReply(413, {}, '', 'x', 0)).toMatchObject({ kind: 'refused', word: 'declined' });
  });

  it('backs off exponentially with jitter, capped, and reads Retry-After', () => {
    const policy = (r: number) => ({ baseMs: 100, capMs: 1000, random: () => r });
    expect([1, 2, 3, 4, 5, 10].map((n) => backoffDelay(n, policy(0)))).toEqual([50, 100, 200, 400, 500, 500]);
    expect(backoffDelay(3, policy(0.999999))).toBe(400);
    expect(parseRetryAfter('7', 0)).toBe(7000);
    expect(parseRetryAfter(new Date(60_000).toUTCString(), 0)).toBe(60_000);
    expect(parseRetryAfter('soon', 0)).toBeNull();
  });
});
