import { parentPort, workerData } from 'node:worker_threads';
import { compileEngine, type Engine } from '../../scanner/engine.js';
import type { SignatureDatabase } from '../../scanner/signature-database.js';
import { scanPackageSync } from '../quarantine/scan-package.js';
import { QuarantineError } from '../quarantine/quarantine-errors.js';
import { reviveFsPath } from '../fs-path.js';
import { scanFileSync, type FileScanOptions } from './file-scan.js';
import { ScanFileError } from './scan-errors.js';
import type { FileTask, PackageReply, PackageTask, ReadyMessage, WorkerReply, WorkerTask } from './worker-messages.js';

// The database arrives by structured clone; its hash tables sit in shared memory, so a
// million-entry set is not copied per worker. Only the small body matcher is rebuilt here.
const { database, options } = workerData as { database: SignatureDatabase; options: FileScanOptions };
const engine = compileEngine(database);
parentPort!.postMessage({ ready: true } satisfies ReadyMessage);

parentPort!.on('message', (task: WorkerTask) => {
  parentPort!.postMessage(task.kind === 'file' ? scanFile(engine, task) : scanPackage(engine, task));
});

function scanFile(engine: Engine, task: FileTask): WorkerReply {
  const path = reviveFsPath(task.path);
  try {
    return { id: task.id, ok: true, outcome: scanFileSync(engine, path, { ...options, noFollow: !task.followLink }) };
  } catch (err) {
    const e = err instanceof ScanFileError ? err : new ScanFileError(path, undefined, String(err));
    return { id: task.id, ok: false, path, code: e.code, message: e.reason };
  }
}

function scanPackage(engine: Engine, task: PackageTask): PackageReply {
  try {
    const key = Buffer.from(task.key.buffer, task.key.byteOffset, task.key.byteLength);
    return { id: task.id, ok: true, detections: scanPackageSync(engine, task.blobPath, key, task.item, options.archive ?? null) };
  } catch (err) {
    return { id: task.id, ok: false, word: err instanceof QuarantineError ? err.word : 'internal', message: (err as Error).message };
  }
}
