/** Shared helpers for the definitions tests: real temp folders, keys and source folders. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeKeyPair, type WrittenKeyPair } from '../../definitions/keys.js';

/** The 68-byte EICAR test file, assembled at run time so the string never sits in the repo. */
export function makeEicar(): Uint8Array {
  const parts = ['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-', 'ANTIVIRUS-TEST-FILE!$H+H*'];
  return new TextEncoder().encode(parts.join(''));
}

/** A harmless demo marker, split so that this file is not itself a demo detection. */
export function makeDemoMarker(kind: 'MALWARE' | 'DROPPER' = 'MALWARE'): string {
  return ['EPQ', 'DEMO', kind, 'MARKER'].join('-');
}

export function hexOf(text: string): string {
  return Buffer.from(text, 'latin1').toString('hex');
}

export async function makeTempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'epq-defs-test-'));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** Writes a source folder with the given files (name -> text) and returns its path. */
export async function writeSourceFolder(root: string, name: string, files: Record<string, string>): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return dir;
}

/** A small valid source: one body and one hash signature, and a side-effect descriptor. */
export function validSourceFiles(): Record<string, string> {
  return {
    'test.ndb': `Test.Marker:0:*:${hexOf(makeDemoMarker())}\n`,
    'test.hdb': '44d88612fea8a8f36de82e1278abb02f:68:Test.Hash\n',
    'epq-meta.json': JSON.stringify({ sideEffects: { 'Test.Marker': { companions: ['/tmp/test-companion'] } } }),
  };
}

export async function makeKeys(root: string, name: string): Promise<WrittenKeyPair> {
  return writeKeyPair(join(root, name));
}
