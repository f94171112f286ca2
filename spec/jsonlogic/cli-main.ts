// A `zhiyu` program with only the JSON Logic commands, registered as
// cli/main.ts registers its own (registerJsonLogic(cli)), with main.ts's
// exit-code handling: the CLI tests run it as a child process.
import { Command, CommanderError } from 'commander';
import { registerJsonLogic } from '../../cli/jsonlogic-commands.ts';
import { Exit, EXIT } from '../../cli/output.ts';

const cli = new Command('zhiyu').exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s) });
registerJsonLogic(cli);
try {
  await cli.parseAsync(process.argv);
} catch (e) {
  if (e instanceof Exit) process.exitCode = e.code;
  else if (e instanceof CommanderError) process.exitCode = e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  else {
    console.error(`internal error: ${(e as Error).stack ?? e}`);
    process.exitCode = EXIT.USAGE;
  }
}
