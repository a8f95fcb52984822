import { readFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { restoreItem } from '../../agent/quarantine/restore-item.js';
import { createSideEffectPort } from '../../agent/quarantine/side-effect-adapter.js';
import type { SideEffectPort } from '../../agent/quarantine/side-effect-port.js';
import { makeStoreFixture } from './store-fixture.js';

const detection = [{ signature: 'Test.Dropper', kind: 'body' as const, offset: 0 }];

describe('quarantine with side effects (real side-effects module)', () => {
  let fx: Awaited<ReturnType<typeof makeStoreFixture>>;
  let crontab: string;
  let desktop: string;
  let payload: string;
  const cronText = 'SHELL=/bin/sh\n# m h dom mon dow user command\n*/5 * * * * root /opt/evil/dropper.bin --quiet\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n';
  const desktopText = '[Desktop Entry]\nType=Application\nExec=/opt/evil/dropper.bin\nName=updater\n';

  beforeEach(async () => {
    let port: SideEffectPort | undefined;
    fx = await makeStoreFixture({
      find: (...a) => port!.find(...a),
      remove: (...a) => port!.remove(...a),
      check: (...a) => port!.check(...a),
      restore: (...a) => port!.restore(...a),
    });
    port = createSideEffectPort(fx.root);
    await fx.writeSystemFile('/opt/evil/dropper.bin', 'EPQ test dropper body');
    crontab = await fx.writeSystemFile('/etc/crontab', cronText);
    desktop = await fx.writeSystemFile('/etc/xdg/autostart/updater.desktop', desktopText, 0o640);
    payload = await fx.writeSystemFile('/tmp/epq-demo-dropper.payload', Buffer.from([0, 1, 2, 3, 255]), 0o600);
  });
  afterEach(() => fx.cleanup());

  it('packages companions and persistence entries, removes them, and puts everything back exactly', async () => {
    const desktopBefore = await stat(desktop);
    const store = await fx.open();
    const { item } = await store.quarantine({ path: '/opt/evil/dropper.bin', detections: detection, definitionsSequence: 3, companions: ['/tmp/epq-demo-dropper.payload'] });
    expect(item.sideEffects.map((e) => `${e.kind}:${String(e['role'])}:${e.path}:${String(e.removed)}`).sort()).toEqual([
      'file:autostart:/etc/xdg/autostart/updater.desktop:true',
      'file:companion:/tmp/epq-demo-dropper.payload:true',
      'line:crontab:/etc/crontab:true',
    ]);
    expect(await readFile(crontab, 'utf8')).not.toContain('dropper.bin');
    expect(await readFile(crontab, 'utf8')).toContain('run-parts');
    expect(existsSync(desktop)).toBe(false);
    expect(existsSync(payload)).toBe(false);

    const out = await restoreItem(store, item.id, { reason: 'test' });
    expect(out.notes.length).toBe(3);
    expect(await readFile(crontab, 'utf8')).toBe(cronText);
    expect(await readFile(desktop, 'utf8')).toBe(desktopText);
    const desktopAfter = await stat(desktop);
    expect(desktopAfter.mode & 0o777).toBe(0o640);
    expect(Math.round(desktopAfter.mtimeMs)).toBe(Math.round(desktopBefore.mtimeMs));
    expect(await readFile(payload)).toEqual(Buffer.from([0, 1, 2, 3, 255]));
    expect(await readFile(join(fx.root, 'opt/evil/dropper.bin'), 'utf8')).toBe('EPQ test dropper body');
    store.close();
  });

  it('restores nothing when a side effect cannot go back (all or nothing)', async () => {
    const store = await fx.open();
    const { item } = await store.quarantine({ path: '/opt/evil/dropper.bin', detections: detection, definitionsSequence: 3, companions: ['/tmp/epq-demo-dropper.payload'] });
    await fx.writeSystemFile('/tmp/epq-demo-dropper.payload', 'something else now lives here');
    await expect(restoreItem(store, item.id, { reason: 'test' })).rejects.toThrow(/side effects can't be restored/);
    expect(existsSync(join(fx.root, 'opt/evil/dropper.bin'))).toBe(false);
    expect(await readFile(crontab, 'utf8')).not.toContain('dropper.bin');
    expect(existsSync(desktop)).toBe(false);
    expect(store.records.get(item.id)!.phase).toBe('complete');
    store.close();
  });

  it('puts back parts whose bytes straddle the decryption pieces of a package over 1 MB', async () => {
    // Sizes chosen off every power of two, so each part boundary falls inside a decrypted piece.
    const main = randomBytes(100_003);
    const first = randomBytes(200_001);
    const second = randomBytes(1_500_007);
    await fx.writeSystemFile('/opt/evil/dropper.bin', main);
    await fx.writeSystemFile('/tmp/epq-demo-dropper.payload', first);
    await fx.writeSystemFile('/tmp/epq-demo-dropper.second', second);
    const store = await fx.open();
    const { item } = await store.quarantine({ path: '/opt/evil/dropper.bin', detections: detection, definitionsSequence: 3, companions: ['/tmp/epq-demo-dropper.payload', '/tmp/epq-demo-dropper.second'] });
    expect(existsSync(payload)).toBe(false);
    await restoreItem(store, item.id, { reason: 'test' });
    expect(await readFile(join(fx.root, 'opt/evil/dropper.bin'))).toEqual(main);
    expect(await readFile(payload)).toEqual(first);
    expect(await readFile(join(fx.root, 'tmp/epq-demo-dropper.second'))).toEqual(second);
    store.close();
  });
});
