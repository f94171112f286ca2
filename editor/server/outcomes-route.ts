// The editor's Outcomes page (GET /outcomes[?from=…&to=…]): the outcomes
// report of the store the editor serves, with charts, as `zhiyu report
// --html` writes it. The workspace's fraud, collection-gate and sweep packs
// decide; a report is kept per period while the server runs (deciding a
// month of stored events again takes a while).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { compile } from '../../compiler/index.ts';
import type { Program } from '../../runtime/engine.ts';
import { time } from '../../runtime/backtest/time.ts';
import { outcomesReport, type OutcomePacks } from '../../runtime/outcomes/index.ts';
import { send } from '../../runtime/server.ts';
import { outcomesHtml } from '../../cli/outcomes-report.ts';
import type { Workspace } from './workspace.ts';

/** Which workspace pack plays which part: by the event types it decides and its outcomes. */
function packsOf(ws: Workspace): OutcomePacks {
  const out: { -readonly [K in keyof OutcomePacks]: Program } = {};
  let scamRules = 0;
  for (const name of ws.packNames()) {
    const c = compile(ws.sources(name));
    if (!c.ok || !c.optimized || !c.code) continue;
    const p = { pack: c.optimized, code: c.code };
    const decides = c.optimized.decides ?? [];
    if (!out.gates && decides.includes('collection_contact')) out.gates = p;
    else if (!out.sweeps && c.optimized.outcomes.includes('offer_waiver')) out.sweeps = p;
    else {
      // The pack with the most telecom-scam rules (rules/demo has one too).
      const n = c.optimized.rules.filter((r) => r.tags.includes('phone_scam')).length;
      if (decides.includes('transfer_out') && n > scamRules) { out.fraud = p; scamRules = n; }
    }
  }
  return out;
}

export function outcomesRoute(storePath: string | undefined, workspace: () => Workspace) {
  const cache = new Map<string, Promise<string>>();
  return async (_req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (url.pathname !== '/outcomes') return false;
    if (!storePath) { send(res, 404, 'The outcomes report needs a store: start the editor with --db FILE (or a postgres:// URL).', 'text/plain; charset=utf-8'); return true; }
    let from: number | null;
    let to: number | null;
    try {
      from = time(url.searchParams.get('from') ?? undefined, 'from', 0);
      to = time(url.searchParams.get('to') ?? undefined, 'to', 'next');
    } catch (e) {
      send(res, 400, (e as Error).message, 'text/plain; charset=utf-8');
      return true;
    }
    const key = `${from}:${to}`;
    let page = cache.get(key);
    if (!page) {
      page = outcomesReport(storePath, packsOf(workspace()), { ...(from !== null ? { from } : {}), ...(to !== null ? { to } : {}) }).then(outcomesHtml);
      page.catch(() => cache.delete(key));
      cache.set(key, page);
    }
    try {
      send(res, 200, await page, 'text/html; charset=utf-8');
    } catch (e) {
      send(res, 500, `The report could not be made: ${(e as Error).message}`, 'text/plain; charset=utf-8');
    }
    return true;
  };
}
