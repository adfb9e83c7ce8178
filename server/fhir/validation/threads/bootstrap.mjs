// Entry of a validation worker thread. In Node 20 a worker does not inherit the
// TypeScript loader that `tsx` registered in the main thread, so it registers it
// itself before loading the real entry (validation-thread.ts).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
