// The entry of a backtest worker thread. Loader hooks do not carry over to
// worker threads, so the worker registers tsx itself before it loads the
// TypeScript sources (as cli/bin.js does for the command).
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
