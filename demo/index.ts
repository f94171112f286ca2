// The one demo database every shipped pack is tried and backtested on: one
// lender's customers and their events (fraud.ts: ordinary traffic and
// injected fraud, decided by rules/fraud and rules/demo alike), the lender's
// own actions and sweeps (conduct.ts: collection contacts, complaints,
// hardship), the holiday calendar, and the labels found later. Everything is
// one timeline in time order; seedDemoDatabase writes it in one transaction,
// TimelinePlayer step by step (the consistency test plays it beside a
// running service). A type conflict between packs (ZY7004) stops the seed
// before any row is written.
import { coerce } from '../compiler/input.ts';
import type { EntityInfo, Schema } from '../compiler/ir.ts';
import { encode } from '../runtime/store/tables.ts';
import { migrate, openStore, type DB } from '../runtime/store/sqlite/schema.ts';
import type { MigrateOptions } from '../runtime/store/stored-schema.ts';
import { StoreWriter } from '../runtime/store/sqlite/write.ts';
import type { Cell } from '../runtime/store/rows.ts';
import { readCalendar } from '../runtime/store/calendar.ts';
import { conductTimeline, type ConductReport } from './conduct.ts';
import { fraudTimeline, type FraudReport } from './fraud.ts';
import { mergeSchemas, type CalendarDay, type Row, type Timeline } from './rows.ts';

export { DEMO_END, mergeSchemas, type Timeline } from './rows.ts';

export interface DemoReport {
  readonly fraud: FraudReport;
  readonly conduct: ConductReport;
  readonly events: number;
  readonly versions: number;
  readonly labels: number;
}

/** The PRC public holidays and make-up working days (调休) of 2025 and 2026, from the State Council's notices (data/calendar). */
const CALENDAR: readonly CalendarDay[] = readCalendar();

/**
 * The whole demo timeline. `customers` sizes it: the customer population (3,000
 * gives about 120,000 events) and a fifth as many customers in collections,
 * complaints and hardship.
 */
export function demoTimeline(opts: { customers?: number } = {}): { timeline: Timeline; report: DemoReport } {
  const n = opts.customers ?? 3000;
  const fraud = fraudTimeline({ customers: Math.max(50, n) });
  const conduct = conductTimeline({ customers: Math.max(60, Math.round(n / 5)) });
  const parts = [fraud.timeline, conduct.timeline];
  const time = (r: Row) => r['occurred_at'] as number;
  // One order for everything: by time, then as generated. Stored in this order, zy_seq follows time.
  const events = parts.flatMap((p) => p.events).map((e, i) => ({ e, i })).sort((a, b) => time(a.e.row) - time(b.e.row) || a.i - b.i).map((x) => x.e);
  const versions = parts.flatMap((p) => p.versions).map((v, i) => ({ v, i })).sort((a, b) => a.v.at - b.v.at || a.i - b.i).map((x) => x.v);
  const lists = parts.flatMap((p) => p.lists).sort((a, b) => a.addedAt - b.addedAt);
  const customerLabels = parts.flatMap((p) => p.customerLabels);
  const timeline: Timeline = { events, versions, lists, calendar: CALENDAR, customerLabels };
  const labels = events.reduce((k, e) => k + e.labels.length, 0) + customerLabels.length;
  return { timeline, report: { fraud: fraud.report, conduct: conduct.report, events: events.length, versions: versions.length, labels } };
}

/**
 * Writes a timeline into a store as its moments arrive: profile versions and
 * list entries in force by an event's time, then the event. The seed plays
 * it through in one go; the consistency test decides each event in between.
 */
export class TimelinePlayer {
  private readonly writer: StoreWriter;
  private readonly eventFields: readonly string[];
  private nextVersion = 0;
  private nextList = 0;
  private nextEvent = 0;
  /** zy_seq of each event written, by its index in the timeline. */
  readonly seqs: number[] = [];

  constructor(db: DB, readonly schema: Schema, readonly timeline: Timeline) {
    this.writer = new StoreWriter(db, schema);
    this.eventFields = [...schema.event.fields.keys()];
  }

  get done(): boolean { return this.nextEvent >= this.timeline.events.length; }
  /** The next event to write, as a decision API would receive it. */
  peek(): Row | undefined { return this.timeline.events[this.nextEvent]?.row; }

  calendar(): void {
    for (const d of this.timeline.calendar) this.writer.calendarDay(d.date, d.working, d.note);
  }

  /** Every profile version and list entry that takes effect at or before `t`. */
  advanceTo(t: number): void {
    const { versions, lists } = this.timeline;
    for (; this.nextVersion < versions.length && versions[this.nextVersion]!.at <= t; this.nextVersion++) {
      const v = versions[this.nextVersion]!;
      const info = this.schema.entities.get(v.entity);
      if (info) this.writer.entity(v.entity, v.key, cells(info, v.row), v.at);
    }
    for (; this.nextList < lists.length && lists[this.nextList]!.addedAt <= t; this.nextList++) {
      const l = lists[this.nextList]!;
      this.writer.listEntry(l.list, l.value, l.source, l.addedAt, null);
    }
  }

  /** Writes the next event (after what takes effect by its time); returns its zy_seq. */
  appendNext(): number {
    const e = this.timeline.events[this.nextEvent++]!;
    this.advanceTo(e.row['occurred_at'] as number);
    const seq = this.writer.event(this.eventFields, cells(this.schema.event, e.row));
    this.seqs.push(seq);
    return seq;
  }

  /** Everything that is left, then the labels (they name events by zy_seq). Returns how many labels. */
  finish(): number {
    while (!this.done) this.appendNext();
    this.advanceTo(Infinity);
    let n = 0;
    this.timeline.events.forEach((e, i) => {
      for (const l of e.labels) { this.writer.label({ subjectKind: 'event', subject: this.seqs[i]!, kind: l.kind, positive: l.positive, labeledAt: l.at, note: l.note }); n++; }
    });
    for (const l of this.timeline.customerLabels) {
      this.writer.label({ subjectKind: 'customer', subject: l.customer, kind: l.kind, positive: l.positive, labeledAt: l.at, note: l.note });
      n++;
    }
    return n;
  }
}

/** A row's values in the entity's field order, checked and stored as the store keeps them. */
function cells(info: EntityInfo, row: Row): Cell[] {
  return [...info.fields.values()].map((f) => encode(f.type, coerce(f.type, row[f.name], `${info.name}.${f.name}`)));
}

/** The store's tables for every pack, checked together first: a conflict leaves the file untouched. */
export function prepareDemoStore(db: DB, schemas: readonly Schema[], opts: MigrateOptions = {}): Schema {
  const probe = openStore(':memory:', { create: true });
  try { for (const s of schemas) migrate(probe, s); } finally { probe.close(); }
  const merged = mergeSchemas(schemas);
  // The merged schema is kept in the file, so `zhiyu db import` without --pack accepts rows for any pack.
  migrate(db, merged, opts);
  return merged;
}

/** Seeds the demo database for these packs' schemas (every shipped pack's, normally). */
export function seedDemoDatabase(db: DB, schemas: readonly Schema[], opts: { customers?: number } & MigrateOptions = {}): DemoReport {
  const merged = prepareDemoStore(db, schemas, opts);
  const { timeline, report } = demoTimeline(opts);
  db.transaction(() => {
    const player = new TimelinePlayer(db, merged, timeline);
    player.calendar();
    player.finish();
  })();
  return report;
}
