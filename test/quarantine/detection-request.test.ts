import { makeQuarantineRequest } from '../../agent/quarantine/detection-request.js';
import { parseEpqMeta } from '../../definitions/epq-meta.js';

test('on access and `scan --action quarantine` build one request: system path, companions of every detecting signature once', () => {
  const meta = parseEpqMeta('{"sideEffects":{"A":{"companions":["/opt/evil/a","/opt/evil/x-*"]},"B":{"companions":["/opt/evil/a","/opt/evil/b"]}}}');
  const detections = [
    { signature: 'A', kind: 'body' as const, offset: 0 },
    { signature: 'B', kind: 'hash' as const },
    { signature: 'constructor', kind: 'hash' as const },
  ];
  const request = makeQuarantineRequest('/srv/root', { sequence: 7, meta }, { path: '/srv/root/opt/evil/x.bin', dev: 1, ino: 2 }, detections);
  expect(request).toEqual({
    path: '/opt/evil/x.bin',
    detections,
    definitionsSequence: 7,
    companions: ['/opt/evil/a', '/opt/evil/x-*', '/opt/evil/b'],
    expected: { dev: 1, ino: 2 },
  });
  expect(makeQuarantineRequest('/srv/root', { sequence: null, meta }, { path: '/srv/root/x', dev: 1, ino: 2 }, []).definitionsSequence).toBe(0);
});
