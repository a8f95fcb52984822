/**
 * Archive scanning against clamscan: a seeded tree of zip and tgz files (members of text-like and
 * random data, EICAR planted in some), both tools run with --allmatch semantics on the same
 * signatures, detections compared as (path, signature) sets, wall time as a ratio.
 * Run by hand: `npm run bench:archives -- --size 150M`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { BenchError, parseCli, runMain, sizeOption, stringOption } from './cli-args.js';
import { diffHits, fmt, parseClamscan, parseEpqJson, printDiff } from './compare.js';
import { Rng } from './prng.js';
import { EPQ_BIN, describeFailure, requireClamscan, requireEpqScan, run, warmCache } from './tools.js';

const USAGE = `
Usage: node dist/bench/archives-vs-clamscan.js [--size 150M] [--dir /tmp/epq-bench/archives]

Writes a tree of zip and tgz files (with the system's zip and tar) totalling about --size of
archive bytes, scans it with clamscan --allmatch and with epq scan --json, prints both wall
times and the ratio, and checks that the (file, signature) pairs are identical.
Exit: 0 = detections identical, 1 = they differ, 2 = the benchmark itself failed.`;

const log = (s: string): void => void process.stderr.write(`${s}\n`);

/** EICAR, assembled here so the literal never sits in the repository. */
const eicar = (): Buffer => Buffer.from(['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join(''), 'latin1');

/** Text-like data (so deflate has work to do) mixed with random runs. */
function memberBytes(rng: Rng, size: number): Buffer {
  const words = ['alpha', 'beta', 'gamma', 'delta', 'config', 'value', 'return', 'function', '{', '}', '\n', '    '];
  const out = Buffer.alloc(size);
  let at = 0;
  while (at < size) {
    if (rng.int(0, 9) === 0) {
      const n = Math.min(size - at, rng.int(16, 512));
      for (let i = 0; i < n; i++) out[at + i] = rng.int(0, 255);
      at += n;
    } else {
      at += out.write(`${words[rng.int(0, words.length - 1)]} `, at, 'latin1');
    }
  }
  return out;
}

function writeTree(dir: string, total: number): number {
  rmSync(dir, { recursive: true, force: true });
  const stage = join(dir, 'stage');
  const files = join(dir, 'files');
  mkdirSync(files, { recursive: true });
  const rng = new Rng(42);
  let written = 0;
  let count = 0;
  while (written < total) {
    rmSync(stage, { recursive: true, force: true });
    mkdirSync(join(stage, 'src'), { recursive: true });
    for (let m = 0; m < 8; m++) writeFileSync(join(stage, 'src', `m${m}.txt`), memberBytes(rng, rng.int(50_000, 600_000)));
    if (count % 10 === 3) writeFileSync(join(stage, 'src', 'eicar.com'), eicar());
    const name = join(files, `a${count}.${count % 2 === 0 ? 'zip' : 'tgz'}`);
    if (count % 2 === 0) execFileSync('zip', ['-q', '-r', name, 'src'], { cwd: stage });
    else execFileSync('tar', ['-czf', name, 'src'], { cwd: stage });
    written += Number(execFileSync('stat', ['-c', '%s', name]).toString());
    count++;
  }
  rmSync(stage, { recursive: true, force: true });
  return count;
}

async function main(): Promise<number> {
  const opts = parseCli(process.argv.slice(2), USAGE, [
    { name: 'size', type: 'string', default: '150M', help: 'archive bytes to generate (decimal units)' },
    { name: 'dir', type: 'string', default: '/tmp/epq-bench/archives', help: 'work folder (rewritten)' },
  ]);
  if (!opts) return 0;
  requireClamscan();
  requireEpqScan();
  const dir = stringOption(opts, 'dir');
  const count = writeTree(dir, sizeOption(opts, 'size'));
  const sigs = join(dir, 'sigs');
  mkdirSync(sigs, { recursive: true });
  const e = eicar();
  writeFileSync(join(sigs, 'a.ndb'), `Bench.Eicar:0:*:${Buffer.from('EICAR-STANDARD').toString('hex')}\nBench.Words:0:*:${Buffer.from('gamma delta gamma delta gamma').toString('hex')}\n`);
  writeFileSync(join(sigs, 'a.hdb'), `${createHash('md5').update(e).digest('hex')}:${e.length}:Bench.EicarMd5\n`);
  const files = join(dir, 'files');
  const warm = warmCache(files);
  log(`${count} archives, ${(warm.bytes / 1e6).toFixed(1)} MB`);
  const clam = await run('clamscan', ['--no-summary', '--infected', '--allmatch', '-r', '-d', sigs, files]);
  if (clam.code !== 0 && clam.code !== 1) throw new BenchError(describeFailure('clamscan', clam));
  warmCache(files);
  const epq = await run(process.execPath, [EPQ_BIN, 'scan', '--json', '--clamav-db', sigs, '--state-dir', join(dir, 'state'), files]);
  if (epq.code !== 0 && epq.code !== 1) throw new BenchError(describeFailure('epq scan', epq));
  const theirs = parseClamscan(clam.stdout).hits;
  const ours = parseEpqJson(epq.stdout).hits;
  process.stdout.write(`clamscan ${fmt.s(clam.seconds)}, epq ${fmt.s(epq.seconds)}: epq is ${fmt.ratio(clam.seconds / epq.seconds)} clamscan (${fmt.mbps(warm.bytes, epq.seconds)} of archives)\n`);
  const same = printDiff(diffHits(theirs, ours), 'clamscan', 'epq', files, (s) => process.stdout.write(`${s}\n`));
  process.stdout.write(same ? `detections identical (${new Set(ours.map((h) => `${h.path}\t${h.signature}`)).size} pairs)\n` : 'detections differ\n');
  return same ? 0 : 1;
}

await runMain('archives-vs-clamscan', main);
