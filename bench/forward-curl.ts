/**
 * The baselines: curl uploading the same bytes with the same headers to the same kind of server,
 * once as a plain shell-style loop (one curl per package) and once as a single curl that reuses
 * its connection (`--next`), which is the best curl can do sequentially.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sampleAttributes } from '../agent/forward/sample-attributes.js';
import type { QuarantineItem } from '../agent/quarantine/quarantine-item.js';
import { toSampleHeaders } from '../central/wire-format.js';
import { BenchError } from './cli-args.js';
import { run } from './tools.js';

/** @throws BenchError with the install hint when curl is missing. */
export function requireCurl(): string {
  const r = spawnSync('curl', ['--version'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new BenchError('curl is not installed (`curl --version` failed); install it with: apt-get update && apt-get install -y curl');
  return r.stdout.split('\n')[0]!.trim();
}

/** The epq headers for an item under another id (so a server that has the item still stores it). */
function headersFor(item: QuarantineItem, id: string): string[] {
  const h = toSampleHeaders({ ...sampleAttributes(item, null), id }, false);
  delete h['content-length'];
  return Object.entries(h).map(([k, v]) => `${k}: ${v}`);
}

function curlArgs(item: QuarantineItem, plainDir: string, url: string, id: string): string[] {
  return ['-sS', '-o', '/dev/null', '-w', '%{http_code}\\n', '-X', 'POST', '--data-binary', `@${join(plainDir, `${item.id}.bin`)}`, ...headersFor(item, id).flatMap((h) => ['-H', h]), `${url}/samples`];
}

/**
 * One curl process per package, one after another: the plain upload loop.
 * @throws BenchError when an upload is not stored (HTTP other than 201).
 */
export async function curlLoop(items: readonly QuarantineItem[], plainDir: string, url: string, prefix: string): Promise<number> {
  const t0 = performance.now();
  for (const item of items) {
    const r = await run('curl', curlArgs(item, plainDir, url, `${prefix}${item.id}`));
    if (r.stdout.trim() !== '201') throw new BenchError(`curl upload of ${item.id} answered ${r.stdout.trim()}: ${r.stderr}`);
  }
  return (performance.now() - t0) / 1000;
}

/**
 * One curl process for every package, one after another on a reused connection (`next`
 * blocks in a config file, so the argument list stays short).
 * @throws BenchError when any upload is not stored.
 */
export async function curlKeepAlive(items: readonly QuarantineItem[], plainDir: string, url: string, prefix: string, configPath: string): Promise<number> {
  const quote = (s: string): string => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  const blocks = items.map((item) => [
    `url = ${quote(`${url}/samples`)}`,
    'request = "POST"',
    `data-binary = ${quote(`@${join(plainDir, `${item.id}.bin`)}`)}`,
    ...headersFor(item, `${prefix}${item.id}`).map((h) => `header = ${quote(h)}`),
    'output = "/dev/null"',
    `write-out = "%{http_code}\\n"`,
  ].join('\n'));
  writeFileSync(configPath, `silent\nshow-error\n${blocks.join('\nnext\n')}\n`);
  const t0 = performance.now();
  const r = await run('curl', ['--config', configPath]);
  const seconds = (performance.now() - t0) / 1000;
  const codes = r.stdout.trim().split('\n');
  if (r.code !== 0 || codes.length !== items.length || codes.some((c) => c !== '201')) {
    throw new BenchError(`curl --next: ${codes.filter((c) => c !== '201').length} upload(s) not stored (exit ${r.code}): ${r.stderr.slice(0, 500)}`);
  }
  return seconds;
}
