// How long the `zhiyu` command takes to start and do a small job, run as
// installed (cli/bin.js on a build of the current sources, scripts/build-cli.js)
// against the same sources run through tsx (ZHIYU_FROM_SOURCE=1): alternating
// in the same minutes, medians of wall time, the ratio as the result.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleCli } from '../scripts/build-cli.js';
import { fmt } from './measure.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface CliStartResult { readonly built: number; readonly source: number; readonly ratio: number }

export async function runCliStartBench(opts: { quick: boolean; log?: (line: string) => void }): Promise<CliStartResult> {
  const log = opts.log ?? console.log;
  // Inside the checkout, so the build's external packages resolve from node_modules.
  mkdirSync(join(root, 'node_modules', '.cache'), { recursive: true });
  const dir = mkdtempSync(join(root, 'node_modules', '.cache', 'zhiyu-cli-start-'));
  try {
    const { outfile: bundle } = await bundleCli(join(dir, 'cli.js'));
    const { ZHIYU_CLI_BUNDLE: _, ZHIYU_FROM_SOURCE: __, ...env } = process.env;
    const ways = { built: { ...env, ZHIYU_CLI_BUNDLE: bundle }, source: { ...env, ZHIYU_FROM_SOURCE: '1' } };
    const times: Record<keyof typeof ways, number[]> = { built: [], source: [] };
    const rounds = opts.quick ? 3 : 10;
    for (let i = 0; i < rounds; i++) {
      for (const way of ['built', 'source'] as const) {
        const t0 = process.hrtime.bigint();
        const r = spawnSync(process.execPath, [join(root, 'cli', 'bin.js'), 'check', join(root, 'rules', 'demo')], { env: ways[way], encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`zhiyu check rules/demo (${way}) exited ${r.status}: ${r.stderr}`);
        times[way].push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
    const built = median(times.built);
    const source = median(times.source);
    log(`\nzhiyu check rules/demo, ${rounds} runs each, alternating: as installed (the build) ${fmt(built)} ms, the sources through tsx ${fmt(source)} ms (median wall time): ${fmt(built / source, 2)}×`);
    return { built, source, ratio: built / source };
  } finally { rmSync(dir, { recursive: true, force: true }); }
}
