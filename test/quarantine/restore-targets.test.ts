import { execFileSync } from 'node:child_process';
import { existsSync, linkSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nativeConstants, utimensat } from '../../agent/native/at-calls.js';
import { QuarantineError } from '../../agent/quarantine/quarantine-errors.js';
import { recoverStore } from '../../agent/quarantine/recover.js';
import { restoreItem } from '../../agent/quarantine/restore-item.js';
import { createSideEffectPort } from '../../agent/quarantine/side-effect-adapter.js';
import type { SideEffectPort } from '../../agent/quarantine/side-effect-port.js';
import { makeStoreFixture } from './store-fixture.js';

const detection = [{ signature: 'Test.Sig', kind: 'body' as const, offset: 0 }];
// Times no microsecond clock rounds to: the last three digits must come back too.
const ATIME_NS = 1_700_000_000_123_456_789n;
const MTIME_NS = 1_600_000_000_987_654_321n;

function setTimes(path: string): void {
  utimensat(nativeConstants().AT_FDCWD, path, ATIME_NS, MTIME_NS, 0);
}

function timesOf(path: string): { atimeNs: bigint; mtimeNs: bigint } {
  const st = statSync(path, { bigint: true });
  return { atimeNs: st.atimeNs, mtimeNs: st.mtimeNs };
}

/** Restore targets a user may have prepared: FIFOs, hard links; and times to the nanosecond. */
describe('restore targets', () => {
  let fx: Awaited<ReturnType<typeof makeStoreFixture>>;
  beforeEach(async () => {
    fx = await makeStoreFixture();
  });
  afterEach(() => fx.cleanup());

  it('a FIFO at the restore target is never opened: the restore is refused at once, --rename goes beside', async () => {
    const real = await fx.writeSystemFile('/home/u/bad.com', 'payload');
    const store = await fx.open();
    const { item } = await store.quarantine({ path: '/home/u/bad.com', detections: detection, definitionsSequence: 1 });
    execFileSync('mkfifo', [real]);
    const refused = await restoreItem(store, item.id, { reason: 'test' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(QuarantineError);
    expect((refused as QuarantineError).word).toBe('occupied');
    expect((refused as Error).message).toContain('it is a FIFO');
    const out = await restoreItem(store, item.id, { reason: 'test', rename: true });
    expect(out.path).toBe('/home/u/bad.restored.com'.replace('/home', join(fx.root, 'home')));
    expect(readFileSync(out.path, 'utf8')).toBe('payload');
    store.close();
  });

  it('recovery of a restore interrupted with a FIFO at its target does not block and puts the item back', async () => {
    const real = await fx.writeSystemFile('/home/u/bad.com', 'payload');
    let store = await fx.open();
    const { item } = await store.quarantine({ path: '/home/u/bad.com', detections: detection, definitionsSequence: 1 });
    expect(store.records.beginRestore(item.id, real)).toBe(true);
    execFileSync('mkfifo', [real]);
    store.close();
    store = await fx.open();
    await recoverStore(store);
    expect(store.records.get(item.id)!.phase).toBe('complete');
    store.close();
  });

  it('quarantining one name of a hard-linked file removes only that name; the other keeps its content', async () => {
    const real = await fx.writeSystemFile('/home/u/bad.com', 'shared bytes');
    const other = join(fx.root, 'other-name');
    linkSync(real, other);
    const store = await fx.open();
    const { item, originalRemoved } = await store.quarantine({ path: '/home/u/bad.com', detections: detection, definitionsSequence: 1 });
    expect(originalRemoved).toBe(true);
    expect(existsSync(real)).toBe(false);
    expect(readFileSync(other, 'utf8')).toBe('shared bytes');
    expect(statSync(other).nlink).toBe(1);
    // A hard link to a system file put at the target is never written through.
    const system = await fx.writeSystemFile('/etc/shadow-standin', 'root:secret\n', 0o600);
    linkSync(system, real);
    await expect(restoreItem(store, item.id, { reason: 'test' })).rejects.toThrow(/already exists/);
    expect(readFileSync(system, 'utf8')).toBe('root:secret\n');
    const out = await restoreItem(store, item.id, { reason: 'test', rename: true });
    expect(readFileSync(out.path, 'utf8')).toBe('shared bytes');
    expect(statSync(out.path).ino).not.toBe(statSync(system).ino);
    expect(readFileSync(system, 'utf8')).toBe('root:secret\n');
    store.close();
  });

  it('a restored file gets its atime and mtime back to the nanosecond', async () => {
    const real = await fx.writeSystemFile('/home/u/bad.com', 'payload', 0o751);
    setTimes(real);
    const store = await fx.open();
    const { item } = await store.quarantine({ path: '/home/u/bad.com', detections: detection, definitionsSequence: 1 });
    expect(store.records.get(item.id)).toMatchObject({ atimeNs: String(ATIME_NS), mtimeNs: String(MTIME_NS) });
    await restoreItem(store, item.id, { reason: 'test' });
    expect(timesOf(real)).toEqual({ atimeNs: ATIME_NS, mtimeNs: MTIME_NS });
    expect(statSync(real).mode & 0o7777).toBe(0o751);
    store.close();
  });

  it('a whole-file side effect gets its atime and mtime back to the nanosecond', async () => {
    let port: SideEffectPort | undefined;
    fx = await makeStoreFixture({
      find: (...a) => port!.find(...a),
      remove: (...a) => port!.remove(...a),
      check: (...a) => port!.check(...a),
      restore: (...a) => port!.restore(...a),
    });
    port = createSideEffectPort(fx.root);
    await fx.writeSystemFile('/opt/evil/dropper.bin', 'EPQ test dropper body');
    const desktop = await fx.writeSystemFile('/etc/xdg/autostart/updater.desktop', '[Desktop Entry]\nType=Application\nExec=/opt/evil/dropper.bin\n', 0o640);
    setTimes(desktop);
    const store = await fx.open();
    const { item } = await store.quarantine({ path: '/opt/evil/dropper.bin', detections: detection, definitionsSequence: 1 });
    expect(item.sideEffects.map((e) => e.path)).toContain('/etc/xdg/autostart/updater.desktop');
    expect(existsSync(desktop)).toBe(false);
    await restoreItem(store, item.id, { reason: 'test' });
    expect(timesOf(desktop)).toEqual({ atimeNs: ATIME_NS, mtimeNs: MTIME_NS });
    store.close();
  });
});
