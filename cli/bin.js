#!/usr/bin/env node
// The `zhiyu` command: the build made at install (dist/cli.js) while it is
// as new as the sources (cli/built.js), else the TypeScript sources through
// tsx's loader; either way the same compiler sources as the runtime and the
// browser. ZHIYU_CLI_BUNDLE names another build to run (the tests' own).
import { pathToFileURL } from 'node:url';
import { builtCli } from './built.js';

// `zhiyu … | head` closes the pipe early; that is not an error.
process.stdout.on('error', (e) => { if (e.code === 'EPIPE') process.exit(0); throw e; });
const built = process.env.ZHIYU_CLI_BUNDLE || builtCli();
let main;
if (built) ({ main } = await import(pathToFileURL(built).href));
else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('./main.ts'));
}
process.exitCode = await main(process.argv);
