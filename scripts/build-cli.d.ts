/** Bundles cli/main.ts into `outfile` (see build-cli.js); `sources`: the checkout's files it was built from, relative to the root. */
export function bundleCli(outfile: string): Promise<{ outfile: string; sources: string[] }>;
