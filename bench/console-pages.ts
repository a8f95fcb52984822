/**
 * Console page times with N samples stored (default 100,000, inserted straight into the
 * server's database): a real `epq central serve` process, one signed-in client, each console
 * page asked RUNS times in turn beside the server's smallest JSON answer (`GET /`) as the
 * reference of the same run. Goal: p95 under 200 ms for every page.
 * Run by hand: `npm run bench:console -- --help`.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openCentralDatabase } from '../central/central-database.js';
import { intOption, parseCli, runMain, BenchError } from './cli-args.js';
import { markdownTable } from './compare.js';
import { Rng } from './prng.js';

const USAGE = `
Usage: node dist/bench/console-pages.js [--samples N] [--runs N]
Stores N samples, starts epq central serve over them, signs in to the console and times each
page RUNS times; prints p50 and p95 per page and against GET / of the same run.`;
const log = (s: string): void => void process.stderr.write(`${s}\n`);
const PASSWORD = 'bench';

function fillStore(dataDir: string, n: number): void {
  mkdirSync(join(dataDir, 'samples'), { recursive: true });
  const db = openCentralDatabase(join(dataDir, 'central.db'));
  const rng = new Rng(42);
  const statuses = ['Needed', 'Unneeded', 'Attention'];
  const insert = db.prepare(`INSERT INTO samples (id, checksum, size, file_name, user_name, computer, address, date_quarantined, date_received,
    date_analyzed, priority, side_effects, endpoint_virus, endpoint_sequence, state, status, virus, scan_sequence, definitions_needed)
    VALUES (@id, @checksum, 1, @file, @user, @computer, NULL, @date, @date, @date, 0, 0, @virus, NULL, @state, @status, @virus, NULL, @needed)`);
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const id = `b${i.toString(16).padStart(8, '0')}`;
      const date = new Date(Date.UTC(2026, 0, 1) + rng.int(0, 300 * 86_400 - 1) * 1000).toISOString();
      insert.run({ id, checksum: '0'.repeat(64), file: `/home/user${rng.int(0, 500 - 1)}/files/doc-${rng.int(0, 1e6 - 1)}.bin`, user: `user${rng.int(0, 500 - 1)}`,
        computer: `ws-${rng.int(0, 2000 - 1)}`, date, virus: `Bench.Sig.${rng.int(0, 300 - 1)}`, state: 'infected', status: statuses[rng.int(0, 3 - 1)], needed: rng.int(0, 2 - 1) ? null : rng.int(0, 50 - 1) });
      // Start-up drops rows without a blob; the pages never read the bytes.
      writeFileSync(join(dataDir, 'samples', `${id}.sample`), '');
    }
  })();
  db.close();
}

function get(agent: Agent, url: string, headers: Record<string, string>): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    request(url, { agent, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    }).on('error', reject).end();
  });
}

async function signIn(agent: Agent, base: string): Promise<string> {
  const form = `password=${PASSWORD}`;
  const cookie = await new Promise<string>((resolve, reject) => {
    const req = request(`${base}/console/sign-in`, { agent, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(form.length) } }, (res) => {
      res.resume();
      resolve(String(res.headers['set-cookie']?.[0] ?? '').split(';')[0]!);
    });
    req.on('error', reject);
    req.end(form);
  });
  if (!cookie.startsWith('epq_console=')) throw new BenchError('sign-in failed');
  return cookie;
}

const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

async function main(): Promise<number> {
  const opts = parseCli(process.argv.slice(2), USAGE, [
    { name: 'samples', type: 'string', default: '100000', help: 'samples stored' },
    { name: 'runs', type: 'string', default: '40', help: 'requests per page' },
  ]);
  if (!opts) return 0;
  const n = intOption(opts, 'samples', 1);
  const runs = intOption(opts, 'runs', 2);
  const dir = mkdtempSync(join(tmpdir(), 'epq-bench-console-'));
  let t = performance.now();
  fillStore(join(dir, 'data'), n);
  log(`stored ${n} samples in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  const child = spawn(process.execPath, ['bin/epq.js', 'central', 'serve', '--data', join(dir, 'data'), '--listen', '127.0.0.1:0', '--console-password', PASSWORD, '--quiet'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const base = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new BenchError(`the server exited (${code}):\n${out}`)));
    });
    log(`server up in ${((performance.now() - t) / 1000).toFixed(1)} s at ${base}`);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const cookie = await signIn(agent, base);
    const pages: [string, string][] = [
      ['reference: GET / (JSON)', '/'],
      ['items, default (newest first)', '/console/items'],
      ['items sorted by file name', '/console/items?sort=fileName&dir=asc'],
      ['items sorted by virus, desc', '/console/items?sort=virus&dir=desc'],
      ['items filtered by status', '/console/items?status=Needed&sort=computer&dir=asc'],
      ['items, search', '/console/items?q=doc-12345'],
      ['items, page 1000', '/console/items?sort=user&dir=asc&page=1000'],
      ['item properties', '/console/items/b00000010'],
      ['server properties', '/console/server'],
    ];
    const times = new Map<string, number[]>(pages.map(([name]) => [name, []]));
    for (let r = 0; r < runs; r++) {
      for (const [name, path] of pages) {
        const start = performance.now();
        const res = await get(agent, `${base}${path}`, { cookie });
        const ms = performance.now() - start;
        if (res.status !== 200) throw new BenchError(`${path}: HTTP ${res.status}`);
        times.get(name)!.push(ms);
      }
    }
    const refP95 = percentile(times.get(pages[0]![0])!, 95);
    const rows = pages.map(([name]) => {
      const xs = times.get(name)!;
      const p95 = percentile(xs, 95);
      return [name, percentile(xs, 50).toFixed(1), p95.toFixed(1), `${(p95 / refP95).toFixed(1)}x`, p95 < 200 ? 'yes' : 'NO'];
    });
    process.stdout.write(`${n} samples, ${runs} requests per page\n\n${markdownTable(['page', 'p50 ms', 'p95 ms', 'p95 vs reference', 'p95 < 200 ms'], rows)}\n`);
    return rows.slice(1).every((r) => r[4] === 'yes') ? 0 : 1;
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    rmSync(dir, { recursive: true, force: true });
  }
}

void runMain('console-pages', main);
