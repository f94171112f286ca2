#!/usr/bin/env node
// The `zhiyu` command. The CLI is TypeScript run through tsx's loader, so the
// same compiler sources serve the CLI, the runtime and the browser.
import { register } from 'tsx/esm/api';

register();
// `zhiyu … | head` closes the pipe early; that is not an error.
process.stdout.on('error', (e) => { if (e.code === 'EPIPE') process.exit(0); throw e; });
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv);
