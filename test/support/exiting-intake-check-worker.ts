// An intake check thread that says it is ready and then exits on its first request, as a thread that crashed
// would: the pool must fail that request and carry on.
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', () => {
  process.exit(3);
});
parentPort?.postMessage({ ready: true });
