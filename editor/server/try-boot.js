// Entry of the Try it thread: loader hooks do not carry over to worker
// threads, so register tsx before loading the TypeScript sources.
import { register } from 'tsx/esm/api';

register();
await import('./try-worker.ts');
