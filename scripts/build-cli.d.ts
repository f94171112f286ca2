/** Bundles cli/main.ts into `outfile` (see build-cli.js). */
export function bundleCli(outfile: string): Promise<string>;
