import type { QuarantineItem } from '../../agent/quarantine/quarantine-item.js';
import type { TrayStatus } from '../../agent/tray/tray-state.js';

/** A quarantined item as the store returns it; fields overridable. */
export function makeItem(id: string, over: Partial<QuarantineItem> = {}): QuarantineItem {
  return {
    id,
    phase: 'complete',
    fileName: `${id}.exe`,
    originalPath: `/srv/drop/${id}.exe`,
    originalPathBytes: null,
    size: 68,
    sha256: id.padEnd(64, '0').slice(0, 64),
    dev: 1,
    ino: 2,
    mode: 0o100644,
    uid: 1000,
    gid: 1000,
    atimeMs: 0,
    mtimeMs: 0,
    atimeNs: '0',
    mtimeNs: '0',
    userName: 'alice',
    computer: 'desk-7',
    quarantinedAt: '2025-03-04T05:06:07.000Z',
    virusName: 'Eicar-Test-Signature',
    detections: [{ signature: 'Eicar-Test-Signature', kind: 'body', offset: 0 }],
    definitionsSequence: 12,
    status: 'Quarantined',
    state: 'infected',
    errors: [],
    sideEffects: [],
    packageSize: 120,
    originalRemoved: true,
    restoreTarget: null,
    restoredAt: null,
    ...over,
  };
}

export const STATUS: TrayStatus = {
  running: true,
  pid: 4242,
  definitions: { sequence: 12, created: '2025-03-01T10:20:30.000Z', switchedAt: '2025-03-02T08:00:00.000Z', builtin: false },
  lastUpdateCheck: { at: '2025-03-04T00:00:00.000Z', result: 'up-to-date' },
  watched: ['/srv/drop', '/home'],
  updateSource: 'https://updates.example/defs',
};
