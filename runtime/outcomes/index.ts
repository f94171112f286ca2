// The consumer-protection outcomes a lender reports on, from one store:
// telecom-scam transfers intercepted (and the money on those confirmed as
// scams), relief offered (waivers and repayment plans, against the previous
// period), complaints answered within 48 hours and decided within 5 working
// days (with the cases that missed), and collection contacts each gate
// denied. Decisions come from the decision log when it holds the pack's
// decisions for the period, otherwise the pack decides the stored events
// again as of their own time (a backtest: the same answers the service gave).
import type { Program } from '../engine.ts';
import { backtest } from '../backtest/index.ts';
import { DecisionLog, openStore } from '../store/sqlite/index.ts';
import { EVENTS, SEQ, q } from '../store/tables.ts';
import { isPostgresUrl } from '../store/postgres/connect.ts';
import { overSnapshot } from '../store/transfer/postgres-to-sqlite.ts';
import { PostgresStore } from '../store/postgres/store.ts';
import { localDate, startOfLocalDay, workingDays } from '../../compiler/semantics.ts';

const DAY = 86_400_000;
const HOUR = 3_600_000;

export interface OutcomePacks {
  /** Decides transfers: its rules tagged `phone_scam` are the telecom-scam interceptions. */
  readonly fraud?: Program;
  /** Decides collection contacts before they are made. */
  readonly gates?: Program;
  /** Sweeps accounts: `offer_waiver` and `offer_plan` are relief offered. */
  readonly sweeps?: Program;
}

export interface OutcomesOptions {
  /** Create the indexes the packs' windows need when deciding events again (a private copy); default: the store is left as it is. */
  readonly createIndexes?: boolean;
  /** Start of the period (ms); default: 28 days before `to`. */
  readonly from?: number;
  /** End of the period, exclusive (ms); default: the local midnight after the last stored event. */
  readonly to?: number;
  readonly workers?: number;
}

/** One decided event, wherever the decision came from. */
interface Decided { readonly seq?: number; readonly time: number; readonly type: string; readonly amount?: number; readonly outcome: string; readonly fired: readonly string[] }

export interface OutcomesReport {
  readonly period: { readonly from: number; readonly to: number; readonly previousFrom: number };
  /** Where each pack's decisions came from. */
  readonly sources: Readonly<Record<string, 'decision log' | 'replayed from the events'>>;
  /** Over PostgreSQL: the store (password hidden) whose one-snapshot copy was read. */
  readonly copyOf?: string;
  readonly scams: {
    readonly intercepted: number;
    /** Amount (fen) of the intercepted transfers. */
    readonly interceptedAmount: number;
    /** Of those, labelled fraud: money protected (fen). */
    readonly confirmed: number;
    readonly moneyProtected: number;
    readonly weeks: readonly { readonly week: string; readonly intercepted: number; readonly moneyProtected: number }[];
    readonly byRule: readonly { readonly rule: string; readonly intercepted: number; readonly amount: number }[];
  } | null;
  readonly relief: {
    readonly waivers: number; readonly plans: number;
    readonly previousWaivers: number; readonly previousPlans: number;
    /** Change against the previous period, as a fraction (null when there was nothing before). */
    readonly waiverGrowth: number | null; readonly planGrowth: number | null;
  } | null;
  readonly complaints: {
    readonly received: number;
    /** First response within 48 hours, of those whose 48 hours have passed or that were answered. */
    readonly answered48h: { readonly met: number; readonly of: number; readonly rate: number | null };
    readonly resolved5wd: { readonly met: number; readonly of: number; readonly rate: number | null };
    readonly missed: readonly { readonly complaint: string; readonly receivedAt: number; readonly missed: '48h' | '5 working days'; readonly detail: string }[];
  };
  readonly gates: {
    readonly contacts: number;
    readonly denied: number;
    readonly byGate: readonly { readonly rule: string; readonly denied: number }[];
  } | null;
}

/** A decision log's decisions of one pack on events in [from, to), in event order. */
type LogReader = (pack: string, from: number, to: number) => Promise<{ eventTime: number; input: unknown; outcome: string; fired: string[] }[]>;

/**
 * The outcomes report for a store (a SQLite file or a postgres:// URL) and
 * the packs that decide on it. Over PostgreSQL the report reads the decision
 * log there, and the events and labels from one snapshot copied locally, as a
 * backtest does (a pack with nothing logged decides the events again there).
 */
export async function outcomesReport(storePath: string, packs: OutcomePacks, opts: OutcomesOptions = {}, log?: LogReader): Promise<OutcomesReport> {
  if (isPostgresUrl(storePath)) {
    const pg = await PostgresStore.open(storePath);
    try {
      const pgLog = pg.log();
      return await overSnapshot(storePath, async (copy, where) => ({ ...(await outcomesReport(copy, packs, { ...opts, createIndexes: true }, (p, f, t) => pgLog.between(p, f, t))), copyOf: where }));
    } finally { await pg.close(); }
  }
  const db = openStore(storePath, { readonly: true });
  let to: number;
  let calendar: Map<string, boolean>;
  const complaints: { id: string; received: number; ack?: number; resolved?: number }[] = [];
  try {
    const last = (db.prepare(`SELECT max(occurred_at) AS t FROM ${q(EVENTS)}`).get() as { t: number | null }).t;
    to = opts.to ?? startOfLocalDay(last ?? Date.now()) + DAY;
    calendar = new Map((db.prepare('SELECT date, is_working_day FROM zy_calendar').all() as { date: string; is_working_day: number }[]).map((r) => [r.date, r.is_working_day === 1]));
    const cols = new Set((db.prepare(`PRAGMA table_info(${q(EVENTS)})`).all() as { name: string }[]).map((c) => c.name));
    if (['complaint_id', 'received_at', 'acknowledged_at', 'resolved_at'].every((c) => cols.has(c))) {
      // Each complaint as its latest records say: when it came in, was first answered, was decided.
      const rows = db.prepare(`SELECT complaint_id AS id, min(received_at) AS received, min(acknowledged_at) AS ack, min(resolved_at) AS resolved
        FROM ${q(EVENTS)} WHERE complaint_id IS NOT NULL AND received_at IS NOT NULL GROUP BY complaint_id`).all() as { id: string; received: number; ack: number | null; resolved: number | null }[];
      for (const r of rows) complaints.push({ id: r.id, received: r.received, ...(r.ack !== null ? { ack: r.ack } : {}), ...(r.resolved !== null ? { resolved: r.resolved } : {}) });
    }
  } finally {
    db.close();
  }
  const from = opts.from ?? to - 28 * DAY;
  const previousFrom = from - (to - from);
  const sources: Record<string, 'decision log' | 'replayed from the events'> = {};

  const decided = async (p: Program, start: number): Promise<Decided[]> => {
    const logged = (log ? await log(p.pack.name, start, to) : fromLog(storePath, p.pack.name, start, to)).map(decidedOf);
    if (logged.length) { sources[p.pack.name] = 'decision log'; return logged; }
    sources[p.pack.name] = 'replayed from the events';
    const run = await backtest(p, storePath, { from: start, to, decisions: true, createIndexes: opts.createIndexes === true, ...(opts.workers ? { workers: opts.workers } : {}) });
    const seqs = run.decisions ?? [];
    const facts = eventFacts(storePath, seqs.map((d) => d.seq));
    return seqs.map((d) => ({ seq: d.seq, ...facts.get(d.seq)!, outcome: d.outcome, fired: d.fired }));
  };

  let scams: OutcomesReport['scams'] = null;
  if (packs.fraud) {
    const scamRules = new Set(packs.fraud.pack.rules.filter((r) => r.tags.includes('phone_scam')).map((r) => r.id));
    const allow = packs.fraud.pack.outcomes[packs.fraud.pack.outcomes.length - 1];
    const hits = (await decided(packs.fraud, from)).filter((d) => d.type === 'transfer_out' && d.outcome !== allow && d.fired.some((f) => scamRules.has(f)));
    const fraud = labelled(storePath, hits.flatMap((h) => (h.seq === undefined ? [] : [h.seq])), 'fraud');
    const weeks = new Map<string, { intercepted: number; moneyProtected: number }>();
    for (let t = startOfLocalDay(from); t < to; t += 7 * DAY) weeks.set(localDate(t), { intercepted: 0, moneyProtected: 0 });
    const byRule = new Map<string, { intercepted: number; amount: number }>();
    let protectedMoney = 0;
    let interceptedAmount = 0;
    for (const h of hits) {
      const w = weeks.get(localDate(startOfLocalDay(from) + Math.floor((h.time - startOfLocalDay(from)) / (7 * DAY)) * 7 * DAY))!;
      const isFraud = h.seq !== undefined && fraud.has(h.seq);
      w.intercepted++;
      interceptedAmount += h.amount ?? 0;
      if (isFraud) { w.moneyProtected += h.amount ?? 0; protectedMoney += h.amount ?? 0; }
      for (const f of h.fired) {
        if (!scamRules.has(f)) continue;
        const r = byRule.get(f) ?? { intercepted: 0, amount: 0 };
        r.intercepted++;
        r.amount += h.amount ?? 0;
        byRule.set(f, r);
      }
    }
    scams = {
      intercepted: hits.length, interceptedAmount, confirmed: hits.filter((h) => h.seq !== undefined && fraud.has(h.seq)).length, moneyProtected: protectedMoney,
      weeks: [...weeks].map(([week, v]) => ({ week, ...v })),
      byRule: [...byRule].map(([rule, v]) => ({ rule, ...v })).sort((a, b) => b.intercepted - a.intercepted || a.rule.localeCompare(b.rule)),
    };
  }

  let relief: OutcomesReport['relief'] = null;
  if (packs.sweeps) {
    const all = await decided(packs.sweeps, previousFrom);
    const n = (outcome: string, a: number, b: number) => all.filter((d) => d.outcome === outcome && d.time >= a && d.time < b).length;
    const growth = (now: number, before: number) => (before === 0 ? null : (now - before) / before);
    const waivers = n('offer_waiver', from, to);
    const plans = n('offer_plan', from, to);
    const previousWaivers = n('offer_waiver', previousFrom, from);
    const previousPlans = n('offer_plan', previousFrom, from);
    relief = { waivers, plans, previousWaivers, previousPlans, waiverGrowth: growth(waivers, previousWaivers), planGrowth: growth(plans, previousPlans) };
  }

  // Complaints received in the period. A first response is due 48 hours after receipt; a decision by the end of the 5th working day after it.
  const cal = (a: string, b: string) => new Map([...calendar].filter(([d]) => d >= a && d <= b));
  const inPeriod = complaints.filter((c) => c.received >= from && c.received < to).sort((a, b) => a.received - b.received || a.id.localeCompare(b.id));
  const missed: OutcomesReport['complaints']['missed'][number][] = [];
  let ackMet = 0; let ackOf = 0; let resMet = 0; let resOf = 0;
  for (const c of inPeriod) {
    const answeredIn = c.ack !== undefined ? c.ack - c.received : undefined;
    if (answeredIn !== undefined && answeredIn <= 48 * HOUR) { ackMet++; ackOf++; } else if (answeredIn !== undefined || to - c.received > 48 * HOUR) {
      ackOf++;
      missed.push({ complaint: c.id, receivedAt: c.received, missed: '48h', detail: answeredIn === undefined ? 'no first response yet' : `first response after ${Math.round(answeredIn / HOUR)} hours` });
    }
    const wd = c.resolved !== undefined ? workingDays(cal, c.received, c.resolved) : undefined;
    const overdue = (workingDays(cal, c.received, to - 1) ?? 0) > 5;
    if (wd !== undefined && wd <= 5) { resMet++; resOf++; } else if (wd !== undefined || overdue) {
      resOf++;
      missed.push({ complaint: c.id, receivedAt: c.received, missed: '5 working days', detail: wd === undefined ? 'not decided yet' : `decided on working day ${wd}` });
    }
  }
  const rate = (a: number, b: number) => (b === 0 ? null : a / b);

  let gates: OutcomesReport['gates'] = null;
  if (packs.gates) {
    const contacts = (await decided(packs.gates, from)).filter((d) => d.type === 'collection_contact');
    const deny = packs.gates.pack.outcomes[0]!;
    const outcomeOf = new Map(packs.gates.pack.rules.map((r) => [r.id, r.outcome]));
    const byGate = new Map<string, number>();
    for (const d of contacts) {
      if (d.outcome !== deny) continue;
      for (const f of d.fired) if (outcomeOf.get(f) === deny) byGate.set(f, (byGate.get(f) ?? 0) + 1);
    }
    gates = {
      contacts: contacts.length, denied: contacts.filter((d) => d.outcome === deny).length,
      byGate: [...byGate].map(([rule, denied]) => ({ rule, denied })).sort((a, b) => b.denied - a.denied || a.rule.localeCompare(b.rule)),
    };
  }

  return {
    period: { from, to, previousFrom }, sources, scams, relief,
    complaints: { received: inPeriod.length, answered48h: { met: ackMet, of: ackOf, rate: rate(ackMet, ackOf) }, resolved5wd: { met: resMet, of: resOf, rate: rate(resMet, resOf) }, missed },
    gates,
  };
}

/** The pack's logged decisions in the period (its log file beside the store), as decided events. */
function fromLog(storePath: string, pack: string, from: number, to: number): { eventTime: number; input: unknown; outcome: string; fired: string[] }[] {
  const db = openStore(storePath, { readonly: true });
  try {
    const log = DecisionLog.open(db);
    try {
      return log.between(pack, from, to);
    } finally { log.close(); }
  } finally { db.close(); }
}

function decidedOf(r: { eventTime: number; input: unknown; outcome: string; fired: string[] }): Decided {
  const input = (r.input ?? {}) as Record<string, unknown>;
  return { time: r.eventTime, type: String(input['type'] ?? ''), ...(typeof input['amount'] === 'number' ? { amount: input['amount'] } : {}), outcome: r.outcome, fired: r.fired };
}

/** Time, type and amount of stored events, by sequence number. */
function eventFacts(storePath: string, seqs: readonly number[]): Map<number, { time: number; type: string; amount?: number }> {
  const db = openStore(storePath, { readonly: true });
  try {
    const cols = new Set((db.prepare(`PRAGMA table_info(${q(EVENTS)})`).all() as { name: string }[]).map((c) => c.name));
    const stmt = db.prepare(`SELECT occurred_at AS time, type${cols.has('amount') ? ', amount' : ''} FROM ${q(EVENTS)} WHERE ${q(SEQ)} = ?`);
    const out = new Map<number, { time: number; type: string; amount?: number }>();
    for (const s of seqs) {
      const r = stmt.get(s) as { time: number; type: string; amount?: number | null };
      out.set(s, { time: r.time, type: r.type, ...(typeof r.amount === 'number' ? { amount: r.amount } : {}) });
    }
    return out;
  } finally { db.close(); }
}

/** The events among these labelled positive with a kind, on the event or on its customer. */
function labelled(storePath: string, seqs: readonly number[], kind: string): Set<number> {
  const db = openStore(storePath, { readonly: true });
  try {
    const cols = new Set((db.prepare(`PRAGMA table_info(${q(EVENTS)})`).all() as { name: string }[]).map((c) => c.name));
    const byEvent = db.prepare(`SELECT 1 FROM zy_labels WHERE subject_kind = 'event' AND subject = ? AND kind = ? AND positive = 1`);
    const byCustomer = cols.has('customer_id')
      ? db.prepare(`SELECT 1 FROM zy_labels l JOIN ${q(EVENTS)} e ON l.subject = e.customer_id WHERE e.${q(SEQ)} = ? AND l.subject_kind = 'customer' AND l.kind = ? AND l.positive = 1`)
      : undefined;
    return new Set(seqs.filter((s) => byEvent.get(String(s), kind) !== undefined || byCustomer?.get(s, kind) !== undefined));
  } finally { db.close(); }
}
