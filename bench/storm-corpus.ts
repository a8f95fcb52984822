/**
 * The false-positive storm's fake system (issue 11): a data tree of many files (modes 0600-0755,
 * old and sub-second mtimes, some owned by a user) with a marker a bad set detects, and a fake
 * system root around it whose persistence entries of every kind point at some of those files:
 * crontab, cron.d and user crontab lines, .bashrc and profile.d lines (CRLF and an unterminated
 * last line among them), ld.so.preload, autostart .desktop files (system and user), system,
 * vendor and user systemd units with timers taken along, and companions named exactly and by a
 * glob in the set's metadata. Shared by `bench/fp-storm.ts` and the CI storm test.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BenchError } from './cli-args.js';
import { Rng } from './prng.js';

/** Where the data tree ends up (watched): the files' system paths start with it. */
export const DATA_DIR = '/srv/data';
/** Where the data tree is generated before it is moved into the watched folder. */
export const STAGING_DIR = '/incoming/data';
/** The protected folder, in the system namespace. */
export const WATCHED_DIR = '/srv';

export const FP_SIGNATURE = 'Storm.FalsePositive';
export const COMPANION_SIGNATURES = ['Storm.Companion.Exact', 'Storm.Companion.Glob'] as const;
const MARKER = 'EPQ-STORM-FALSE-POSITIVE-MARKER';
const COMPANION_MARKERS = ['EPQ-STORM-COMPANION-EXACT', 'EPQ-STORM-COMPANION-GLOB'];
const BOB = { uid: 1001, gid: 1001 };
const FILES_PER_FOLDER = 100;
const MODES = [0o600, 0o640, 0o644, 0o700, 0o750, 0o755];

/** A persistence entry pointing at one data file: a line of a shared file, or a whole file. */
export interface StormEntry {
  readonly kind: string;
  /** The persistence file (system path). */
  readonly file: string;
  /** The data file it points at (system path). */
  readonly target: string;
  /** Whole-file entries (units, timers, .desktop, companions) vs. lines of a shared file. */
  readonly whole: boolean;
}

export interface StormCorpus {
  /** System paths of the data files, in their final (watched) place. */
  readonly files: readonly string[];
  readonly bytes: number;
  readonly entries: readonly StormEntry[];
  /** Persistence files edited line by line (their mtime is "now" after an edit, by policy). */
  readonly lineFiles: readonly string[];
  /** Signature sources of the bad set (file name -> text). */
  readonly badSet: Record<string, string>;
  /** Signature sources of the fixed set. */
  readonly fixedSet: Record<string, string>;
}

const hex = (s: string): string => Buffer.from(s, 'latin1').toString('hex');
const EICAR = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-', 'ANTIVIRUS-TEST-FILE!$H+H*'].join('');

/** Line-file kinds: the file each kind's lines go in, and how a line naming `p` looks. */
const LINE_KINDS: Record<string, { file: string; line: (p: string, k: number) => string }> = {
  crontab: { file: '/etc/crontab', line: (p, k) => `${k % 60} */2 * * * root ${p} --beacon >/dev/null 2>&1` },
  'cron.d-a': { file: '/etc/cron.d/storm-a', line: (p) => `@reboot root "${p}" --daemon` },
  'cron.d-b': { file: '/etc/cron.d/storm-b', line: (p, k) => `${k % 60} 3 * * * root ${p}` },
  'user-crontab-root': { file: '/var/spool/cron/crontabs/root', line: (p) => `@hourly ${p}` },
  'user-crontab-bob': { file: '/var/spool/cron/crontabs/bob', line: (p, k) => `${k % 60} * * * * ${p} -q` },
  'root-bashrc': { file: '/root/.bashrc', line: (p) => `${p} &` },
  'bob-bashrc': { file: '/home/bob/.bashrc', line: (p) => `(${p} --quiet &)` },
  'profile.d': { file: '/etc/profile.d/storm.sh', line: (p) => `'${p}' &` },
  'ld.so.preload': { file: '/etc/ld.so.preload', line: (p) => p },
};

/** Whole-file kinds: the file made for data file `k`, and its text. */
const WHOLE_KINDS: Record<string, { file: (k: number) => string; text: (p: string) => string; timer?: (k: number) => string }> = {
  'autostart-system': { file: (k) => `/etc/xdg/autostart/storm-${k}.desktop`, text: (p) => `[Desktop Entry]\nType=Application\nName=Storm\nExec=${p} --tray\n` },
  'autostart-user': { file: (k) => `/home/bob/.config/autostart/storm-${k}.desktop`, text: (p) => `[Desktop Entry]\nExec="${p}"\n` },
  'unit-system': { file: (k) => `/etc/systemd/system/storm-${k}.service`, text: (p) => `[Unit]\nDescription=storm\n\n[Service]\nExecStart=-${p} --svc\n`, timer: (k) => `/etc/systemd/system/storm-${k}.timer` },
  'unit-vendor': { file: (k) => `/usr/lib/systemd/system/storm-${k}.service`, text: (p) => `[Service]\nExecStart=${p}\n`, timer: (k) => `/usr/lib/systemd/system/storm-${k}.timer` },
  'unit-user': { file: (k) => `/home/bob/.config/systemd/user/storm-${k}.service`, text: (p) => `[Service]\nExecStart=${p}\n`, timer: (k) => `/home/bob/.config/systemd/user/storm-${k}.timer` },
};

const PRIMARY_KINDS = [...Object.keys(LINE_KINDS), ...Object.keys(WHOLE_KINDS)];

/** Lines of the shared files that are no entry of ours and must come back untouched and in order. */
const BASE_LINES: Record<string, { lines: string[]; eol?: string; unterminated?: boolean; mode?: number; owner?: typeof BOB }> = {
  '/etc/crontab': { lines: ['SHELL=/bin/sh', 'PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin', '25 6 * * * root test -x /usr/sbin/anacron || run-parts --report /etc/cron.daily'] },
  '/etc/cron.d/storm-a': { lines: ['# dropped', 'MAILTO=""'] },
  '/etc/cron.d/storm-b': { lines: ['0 4 * * * root /usr/bin/updatedb'], unterminated: true },
  '/var/spool/cron/crontabs/root': { lines: ['# edit with crontab -e'], mode: 0o600 },
  '/var/spool/cron/crontabs/bob': { lines: ['# bob'], mode: 0o600, owner: BOB },
  '/root/.bashrc': { lines: ['alias ll="ls -l"'] },
  '/home/bob/.bashrc': { lines: ['umask 022', 'export LANG=C'], eol: '\r\n', unterminated: true, mode: 0o640, owner: BOB },
  '/etc/profile.d/storm.sh': { lines: ['#!/bin/sh', 'export EDITOR=vi'] },
  '/etc/ld.so.preload': { lines: ['/usr/lib/libgood.so'] },
};

/** Files of the fake system that are no entry at all. */
const PLAIN_FILES: Record<string, string> = {
  '/etc/passwd': 'root:x:0:0:root:/root:/bin/bash\nbob:x:1001:1001:Bob:/home/bob:/bin/bash\n',
  '/etc/systemd/system/clean.service': '[Service]\nExecStart=/usr/bin/true\n',
  '/etc/xdg/autostart/clean.desktop': '[Desktop Entry]\nExec=/usr/bin/nm-applet\n',
  '/var/lib/storm/.gamma-hidden.dat': 'a glob does not match a leading dot',
  '/var/lib/storm/unrelated.dat': 'unrelated',
};

/**
 * Writes the corpus under `root`: data files under `STAGING_DIR` (to be moved to `DATA_DIR`),
 * persistence files in place. `withEntries` data files get 1 entry each, a fifth of them a
 * second one, and two more files carry the companion signatures (one companion each).
 * @throws BenchError when `touch` can't set the sub-second times.
 */
export function writeStormCorpus(root: string, count: number, avgBytes: number, seed: number, withEntries = 200): StormCorpus {
  const rng = new Rng(seed, 7);
  mkdirSync(join(root, WATCHED_DIR), { recursive: true });
  const files: string[] = [];
  let bytes = 0;
  const byTime = new Map<string, string[]>();
  const stride = Math.max(1, Math.floor(count / (withEntries + 2)));
  const companionAt = [stride * withEntries, stride * withEntries + 1].map((i) => Math.min(count - 1, i));
  for (let i = 0; i < count; i++) {
    const folder = `d${String(Math.floor(i / FILES_PER_FOLDER)).padStart(4, '0')}`;
    if (i % FILES_PER_FOLDER === 0) mkdirSync(join(root, STAGING_DIR, folder), { recursive: true });
    const name = `${folder}/f${String(i).padStart(6, '0')}.bin`;
    const size = rng.int(Math.max(64, avgBytes / 20), Math.max(128, avgBytes * 2 - avgBytes / 20));
    const content = rng.bytes(size);
    const c = companionAt.indexOf(i);
    const marker = Buffer.from(c >= 0 ? COMPANION_MARKERS[c]! : MARKER, 'latin1');
    marker.copy(content, rng.int(0, Math.max(0, size - marker.length)));
    const host = join(root, STAGING_DIR, name);
    writeFileSync(host, content);
    if (i % 7 === 3) chownSync(host, BOB.uid, BOB.gid);
    chmodSync(host, MODES[i % MODES.length]!);
    // Whole seconds for some, nanoseconds for the rest: times a restore must put back exactly.
    const sec = 1_400_000_000 + rng.int(0, 300_000_000);
    const stamp = i % 3 === 0 ? `@${sec}` : `@${sec}.${String(rng.int(1, 999_999_999)).padStart(9, '0')}`;
    const group = byTime.get(stamp) ?? [];
    group.push(host);
    byTime.set(stamp, group);
    files.push(`${DATA_DIR}/${name}`);
    bytes += size;
  }
  setTimes(byTime);
  const entries = writeEntries(root, files, stride, withEntries, companionAt);
  return {
    files,
    bytes,
    entries,
    lineFiles: Object.keys(BASE_LINES),
    badSet: {
      'storm.ndb': [`${FP_SIGNATURE}:0:*:${hex(MARKER)}`, ...COMPANION_SIGNATURES.map((s, k) => `${s}:0:*:${hex(COMPANION_MARKERS[k]!)}`), `Eicar-Test-Signature:0:0:${hex(EICAR)}`].join('\n') + '\n',
      'epq-meta.json': JSON.stringify({ sideEffects: { [COMPANION_SIGNATURES[0]]: { companions: ['/var/lib/storm/alpha.payload'] }, [COMPANION_SIGNATURES[1]]: { companions: ['/var/lib/storm/gamma-*.dat'] } } }),
    },
    fixedSet: { 'eicar.ndb': `Eicar-Test-Signature:0:0:${hex(EICAR)}\n` },
  };
}

/** `touch -d @sec.ns` per distinct time (Node's utimes can't carry nanoseconds). */
function setTimes(byTime: Map<string, string[]>): void {
  for (const [stamp, hosts] of byTime) {
    for (let k = 0; k < hosts.length; k += 500) {
      const r = spawnSync('touch', ['-h', '-d', stamp, ...hosts.slice(k, k + 500)], { encoding: 'utf8' });
      if (r.status !== 0) throw new BenchError(`touch -d ${stamp} failed: ${r.stderr || r.error?.message}`);
    }
  }
}

function writeEntries(root: string, files: readonly string[], stride: number, withEntries: number, companionAt: readonly number[]): StormEntry[] {
  const entries: StormEntry[] = [];
  const lines = new Map<string, string[]>();
  const addLine = (kind: string, target: string, k: number): void => {
    const spec = LINE_KINDS[kind]!;
    const list = lines.get(spec.file) ?? [];
    list.push(spec.line(target, k));
    lines.set(spec.file, list);
    entries.push({ kind, file: spec.file, target, whole: false });
  };
  const wholeFiles: Record<string, string> = {};
  const lineKinds = Object.keys(LINE_KINDS);
  for (let k = 0; k < withEntries && k * stride < files.length; k++) {
    const target = files[k * stride]!;
    const kind = PRIMARY_KINDS[k % PRIMARY_KINDS.length]!;
    const whole = WHOLE_KINDS[kind];
    if (whole) {
      wholeFiles[whole.file(k)] = whole.text(target);
      entries.push({ kind, file: whole.file(k), target, whole: true });
    } else addLine(kind, target, k);
    if (k % 5 !== 0) continue;
    // A second entry: the unit's timer (taken along with the service), or a line elsewhere.
    if (whole?.timer) {
      wholeFiles[whole.timer(k)] = '[Timer]\nOnBootSec=5min\n\n[Install]\nWantedBy=timers.target\n';
      entries.push({ kind: `${kind}-timer`, file: whole.timer(k), target, whole: true });
    } else addLine(lineKinds[(k / 5 + 3) % lineKinds.length]!, target, k);
  }
  const companions = ['/var/lib/storm/alpha.payload', '/var/lib/storm/gamma-1.dat'];
  companions.forEach((file, c) => {
    wholeFiles[file] = `companion ${c}\n`;
    entries.push({ kind: c === 0 ? 'companion' : 'glob-companion', file, target: files[companionAt[c]!]!, whole: true });
  });
  for (const [file, spec] of Object.entries(BASE_LINES)) {
    // Ours interleaved with the file's own lines, so order and line endings are tested.
    const mixed: string[] = [];
    const own = lines.get(file) ?? [];
    for (let i = 0; i < Math.max(own.length, spec.lines.length); i++) {
      if (i < spec.lines.length) mixed.push(spec.lines[i]!);
      if (i < own.length) mixed.push(own[i]!);
    }
    const eol = spec.eol ?? '\n';
    writeSystemFile(root, file, mixed.join(eol) + (spec.unterminated ? '' : eol), spec.mode ?? 0o644, spec.owner);
  }
  for (const [file, text] of Object.entries({ ...wholeFiles, ...PLAIN_FILES })) writeSystemFile(root, file, text, file.startsWith('/home/bob/') ? 0o600 : 0o644, file.startsWith('/home/bob/') ? BOB : undefined);
  return entries;
}

function writeSystemFile(root: string, file: string, text: string, mode: number, owner?: typeof BOB): void {
  const host = join(root, file);
  mkdirSync(dirname(host), { recursive: true });
  writeFileSync(host, text);
  chmodSync(host, mode);
  if (owner) chownSync(host, owner.uid, owner.gid);
  // Old sub-second times, which a whole-file restore must put back to the nanosecond.
  utimesSync(host, 1_500_000_000.5, 1_500_000_000.5);
}
