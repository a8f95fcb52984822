import { parentPort, workerData } from 'node:worker_threads';
import { compileEngine } from '../../scanner/engine.js';
import type { SignatureDatabase } from '../../scanner/signature-database.js';
import { scanFileSync, type FileScanOptions } from './file-scan.js';
import { ScanFileError } from './scan-errors.js';
import type { WorkerReply, WorkerTask } from './worker-messages.js';

// The database arrives by structured clone; its hash tables sit in shared memory, so a
// million-entry set is not copied per worker. Only the small body matcher is rebuilt here.
const { database, options } = workerData as { database: SignatureDatabase; options: FileScanOptions };
const engine = compileEngine(database);

parentPort!.on('message', (task: WorkerTask) => {
  let reply: WorkerReply;
  try {
    const outcome = scanFileSync(engine, task.path, { ...options, noFollow: !task.followLink });
    reply = { id: task.id, ok: true, outcome };
  } catch (err) {
    const e = err instanceof ScanFileError ? err : new ScanFileError(task.path, undefined, String(err));
    reply = { id: task.id, ok: false, path: task.path, code: e.code, message: e.message };
  }
  parentPort!.postMessage(reply);
});
