/**
 * Runs each pathological signature of issue 12 in a child process of its own and reports how it
 * ended (load error, scan result, crash or timeout), its wall time and its peak RSS (VmHWM read
 * from /proc while it runs, so a child killed at the deadline still has a figure).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compileEngine } from '../scanner/engine.js';
import { parseSignatureFiles } from '../scanner/signature-database.js';
import { BenchError, intOption, parseCli } from './cli-args.js';
import { PATHOLOGICAL_CASES } from './pathological-signatures.js';

const USAGE = `
Usage: node dist/bench/pathological-vs-bounds.js [--timeout-s N] [--only NAME]
Loads and scans each pathological signature of issue 12 in a child process, and prints how it
ended, its time and its peak RSS.`;

function runChild(name: string): void {
  const c = PATHOLOGICAL_CASES.find((x) => x.name === name);
  if (!c) throw new BenchError(`no case ${name}`);
  const input = c.input();
  const started = performance.now();
  let outcome: string;
  try {
    const db = parseSignatureFiles([{ name: `${c.name}.ndb`, data: new TextEncoder().encode(c.ndb()) }]);
    const engine = compileEngine(db);
    const result = engine.scanBuffer(input);
    const r = result as unknown as Record<string, unknown>;
    outcome = `scanned: ${result.detections.length} detections${r.limitExceeded ? `, limit: ${String(r.limitExceeded)}` : ''}`;
  } catch (err) {
    outcome = `error: ${(err as Error).message.slice(0, 160)}`;
  }
  process.stdout.write(JSON.stringify({ outcome, ms: performance.now() - started }));
}

function peakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function runCase(name: string, timeoutMs: number): Promise<string> {
  const started = performance.now();
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', name], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  let rss = 0;
  const poll = setInterval(() => (rss = Math.max(rss, peakRss(child.pid!))), 50);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  clearInterval(poll);
  clearTimeout(timer);
  const wall = (performance.now() - started) / 1000;
  let outcome: string;
  if (out) outcome = (JSON.parse(out) as { outcome: string }).outcome;
  else if (code === null) outcome = `killed at the ${timeoutMs / 1000} s deadline`;
  else outcome = `crashed (exit ${code}): ${err.split('\n').find((l) => /Error/.test(l)) ?? err.slice(0, 120)}`;
  return `${name.padEnd(18)} ${wall.toFixed(1).padStart(6)} s ${(rss / 1e6).toFixed(0).padStart(6)} MB  ${outcome}`;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') return runChild(argv[1]!);
  const opts = parseCli(argv, USAGE, [
    { name: 'timeout-s', type: 'string', default: '20', help: 'kill a case after this many seconds' },
    { name: 'only', type: 'string', help: 'run only the case of this name' },
  ]);
  if (!opts) return;
  const timeoutMs = intOption(opts, 'timeout-s', 1, 600) * 1000;
  const names = PATHOLOGICAL_CASES.map((c) => c.name).filter((n) => opts.only === undefined || n === opts.only);
  process.stdout.write(`${'case'.padEnd(18)} ${'wall'.padStart(8)} ${'peak RSS'.padStart(9)}  outcome\n`);
  for (const name of names) process.stdout.write(`${await runCase(name, timeoutMs)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof BenchError ? err.message : (err as Error).stack}\n`);
  process.exitCode = 1;
});
