// `zhiyu eval`: one event (or stored labelled events) decided and explained, on a pack or a bundle, over a scenario or a store.
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { compile, type CheckedPack } from '../compiler/index.ts';
import { showValue } from '../compiler/display.ts';
import { InputError, interpret, load, MemoryProvider, type Decision, type FeatureProvider } from '../runtime/index.ts';
import { validateRecord } from '../runtime/validate.ts';
import { decodeRow } from '../runtime/store/tables.ts';
import { BundleError } from '../runtime/bundle.ts';
import { packHash } from '../runtime/pack-hash.ts';
import { RecordingProvider } from '../runtime/store/decision-log.ts';
import { closeAnyStore, decideOn, logOf, openAnyStore, providerOf } from '../runtime/store/open.ts';
import type { AsyncSource } from '../runtime/store/resolve.ts';
import { TIME_FIELD } from '../compiler/check/context.ts';
import { coerce } from '../compiler/input.ts';
import { TIMESTAMP } from '../compiler/types.ts';
import { bundleToRun } from './bundle-commands.ts';
import { readPack } from './pack-files.ts';
import { positiveCount } from './options.ts';
import { CliError, Exit, EXIT, fsReason, paint, requireOk } from './output.ts';

const { red, dim } = paint;

export function registerEval(cli: Command): void {
  cli.command('eval')
    .description('decide one event and explain the decision')
    .argument('<paths...>', 'a pack directory, .zy files, or a bundle (.zyb)')
    .option('--event <json|file>', 'the event, as JSON or a JSON file')
    .option('--scenario <file>', 'a JSON file {event, entities, history, lists}')
    .option('--db <file|url>', 'read entities, lists and history from this store (a SQLite file or a postgres:// URL)')
    .option('--at [time]', 'with --db: read the store as it stood at this time (2026-02-10T09:00), or at the event\'s own time when no time is given; default: profiles as they are now, as a live decision reads them')
    .option('--labelled <n>', 'with --db: decide the first n stored events labelled positive (the pack\'s `measured by` kinds, else fraud), each as of its own time')
    .option('--log', 'with --db: append the decision to the decision log')
    .option('--interpret', 'use the reference interpreter and print its trace')
    .option('--strict', 'reject event fields the schema does not declare')
    .option('--json', 'print the decision as JSON')
    .option('--public-key <file.pem>', 'with a bundle: run it only if signed by this ed25519 key (without: run it with a warning)')
    .addHelpText('after', `
Examples:
  zhiyu eval rules/demo --scenario rules/demo/scenarios/phone-scam.json
  zhiyu eval rules/demo --event '{"type":"login","customer_id":"f1","occurred_at":"2026-02-20T10:00"}' --db demo.db --log
  zhiyu eval rules/fraud --event event.json --db demo.db --at          # profiles as they stood at the event's time
  zhiyu eval rules/demo --db demo.db --labelled 5
  zhiyu eval demo.zyb --event event.json --public-key keys/zhiyu.pub.pem`)
    .action(async (paths: string[], o: { event?: string; scenario?: string; db?: string; at?: string | true; labelled?: string; log?: boolean; interpret?: boolean; strict?: boolean; json?: boolean; publicKey?: string }) => {
      if (!o.event && !o.scenario && o.labelled === undefined) { console.error(red('give --event, --scenario or --labelled')); throw new Exit(EXIT.USAGE); }
      if ((o.labelled !== undefined || o.log || o.at) && !o.db) { console.error(red('--labelled, --at and --log need --db')); throw new Exit(EXIT.USAGE); }
      const labelled = o.labelled === undefined ? undefined : positiveCount(o.labelled, '--labelled');
      // A bundle (.zyb) or a pack; a bundle carries the optimized pack, which the
      // interpreter decides identically (property-tested).
      const source = (() => {
        if (paths.length === 1 && paths[0]!.endsWith('.zyb')) {
          try {
            const b = bundleToRun(paths[0]!, o.publicKey);
            return { program: b.program, checked: b.program.pack, sourceHash: b.manifest.sourceHash, bundleHash: b.hash };
          } catch (e) {
            if (e instanceof BundleError) { console.error(red(`${e.code}: ${e.message}`)); throw new Exit(EXIT.FINDINGS); }
            throw e;
          }
        }
        const files = readPack(paths);
        const c = compile(files);
        requireOk(c);
        return { program: { pack: c.optimized, code: c.code }, checked: c.checked, sourceHash: packHash(files), bundleHash: null };
      })();
      const r = { checked: source.checked };
      // The decision log is a file of its own: the store itself is only read.
      const any = o.db ? await openAnyStore(o.db, { readonly: true }) : undefined;
      const store = any?.kind === 'sqlite' ? any.db : undefined;
      try {
        const engine = load(source.program);
        const base = any ? providerOf(any, o.interpret ? r.checked : source.program.pack) : undefined;
        let trace: ReturnType<typeof interpret>['trace'] = [];
        const decideOne = (event: unknown, provider: FeatureProvider): Decision => {
          if (o.interpret) {
            const t = interpret(r.checked, event, provider, { strict: !!o.strict });
            trace = t.trace;
            return t.decision;
          }
          return engine.decide(event, provider, { strict: !!o.strict });
        };
        // Printed with the decision: over PostgreSQL a decision may run more than once before it has every read.
        const show = (d: Decision) => {
          if (!o.json) for (const rt of trace) console.log(dim(`  trace ${rt.id}: ${rt.active ? (rt.value === undefined ? 'missing' : String(rt.value)) : 'inactive'}`));
          trace = [];
          return o.json ? console.log(JSON.stringify(d, null, 2)) : printDecision(d, r.checked);
        };
        if (labelled !== undefined) {
          const kinds = r.checked.measuredBy.length ? r.checked.measuredBy : ['fraud'];
          const types = r.checked.decides;
          const rows = store ? store.prepare(`SELECT e.* FROM zy_events e WHERE e.zy_seq IN (SELECT CAST(l.subject AS INTEGER) FROM zy_labels l
              WHERE l.subject_kind = 'event' AND l.positive = 1 AND l.kind IN (${kinds.map(() => '?').join(', ')}))
            ${types ? `AND e.type IN (${types.map(() => '?').join(', ')})` : ''} ORDER BY e.zy_seq LIMIT ?`)
            .all(...kinds, ...(types ?? []), labelled) as Record<string, unknown>[]
            : any?.kind === 'postgres' ? await any.pg.labelledEvents(kinds, types ?? null, labelled) : [];
          for (const row of rows) {
            const seq = row['zy_seq'] as number;
            // Stored rows are decoded by the schema (bools are 0/1 in both stores).
            const event = decodeRow(r.checked.schema.event, row);
            console.log(dim(`event #${seq} ${JSON.stringify(event)}`));
            // As of its own time, counting only the events stored before it.
            show(await decideOn(base!.asOf(row[TIME_FIELD] as number, seq), (p) => decideOne(event, p)));
          }
          return;
        }
        const s = (o.scenario ? readJsonObject(o.scenario, '--scenario') : { event: readJsonObject(o.event!, '--event') }) as unknown as Scenario;
        const eventTime = () => Number(coerce(TIMESTAMP, (s.event as Record<string, unknown>)?.[TIME_FIELD], `event.${TIME_FIELD}`) ?? NaN);
        const asOf = o.at === undefined ? undefined : o.at === true ? eventTime() : Number(coerce(TIMESTAMP, o.at, '--at'));
        if (asOf !== undefined && !Number.isFinite(asOf)) { console.error(red(`--at needs a time, or an event with ${TIME_FIELD}`)); throw new Exit(EXIT.USAGE); }
        const provider: FeatureProvider | AsyncSource = (base && asOf !== undefined ? base.asOf(asOf) : base) ?? new MemoryProvider({
          entities: Object.fromEntries(Object.entries(s.entities ?? {}).map(([k, rows]) => [k, new Map(Object.entries(rows))])),
          // Scenario history is checked like an event (ISO times become epoch ms).
          history: (s.history ?? []).map((h, i) => validateRecord(r.checked.schema.event, h, `history[${i}]`)), lists: (s.lists ?? {}) as never,
        });
        if (o.log) {
          const { d, snapshot } = await decideOn(provider, (p) => {
            const rec = new RecordingProvider(p);
            return { d: decideOne(s.event, rec), snapshot: rec.snapshot };
          });
          const log = logOf(any!, { write: true });
          try {
            const id = await log.append({ bundleHash: source.bundleHash, sourceHash: source.sourceHash, input: s.event, eventTime: eventTime(), snapshot, decision: d });
            show(d);
            if (!o.json) console.log(dim(`logged as decision ${id}; zhiyu replay ${o.db} ${id} --pack ${paths.join(' ')}`));
          } finally { log.close(); }
          return;
        }
        show(await decideOn(provider, (p) => decideOne(s.event, p)));
      } catch (e) {
        if (e instanceof InputError) { console.error(red(`${e.code}: ${e.message}`)); throw new Exit(EXIT.FINDINGS); }
        throw e;
      } finally {
        if (any) await closeAnyStore(any);
      }
    });
}

interface Scenario {
  event: Record<string, unknown>;
  entities?: Record<string, Record<string, object>>;
  history?: Record<string, unknown>[];
  lists?: Record<string, unknown[]>;
}

/**
 * An option's JSON object (`--event`, `--scenario`): a file holding it, or the
 * JSON itself. Anything but an object is ZY8203; a file that cannot be read ZY8201.
 */
function readJsonObject(arg: string, option: string): Record<string, unknown> {
  const looksLikeJson = /^\s*[[{"\d-]|^\s*(null|true|false)\s*$/.test(arg);
  let text = arg;
  if (!looksLikeJson || existsSync(arg)) {
    try { text = readFileSync(arg, 'utf8'); } catch (e) {
      throw new CliError('ZY8201', `${option}: cannot read ${arg}: ${fsReason(e)}`);
    }
  }
  const from = text === arg ? 'the argument' : arg;
  let v: unknown;
  try { v = JSON.parse(text); } catch (e) {
    throw new CliError('ZY8203', `${option}: ${from} is not valid JSON: ${(e as Error).message.split('\n')[0]!.slice(0, 120)}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new CliError('ZY8203', `${option}: ${from} should hold a JSON object, not ${v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v}`);
  }
  return v as Record<string, unknown>;
}

/** A decision for people: values as analysts write them (¥25,000.00, 2026-03-01 10:00 +08:00, 3h20m), never fen or epoch ms. */
function printDecision(d: Decision, pack: CheckedPack): void {
  console.log(`outcome ${d.outcome}  score ${d.score}  (${d.pack}${d.version ? ` ${d.version}` : ''})`);
  if (d.fired.length === 0) console.log(dim('  no rule fired'));
  for (const f of d.fired) {
    console.log(`  ${f.id}${f.outcome ? ` → ${f.outcome}` : ''}${f.score ? ` (${f.score > 0 ? '+' : ''}${f.score})` : ''}${f.reason ? `  [${f.reason}]` : ''}${f.title ? `  ${f.title}` : ''}`);
    if (f.message.zh) console.log(`    ${f.message.zh}`);
    if (f.message.en) console.log(`    ${f.message.en}`);
    const leaves = pack.rules.find((r) => r.id === f.id)?.leaves ?? [];
    f.seen.forEach((s, i) => console.log(dim(`    ${s.feature} = ${leaves[i] ? showValue(leaves[i]!.type, s.value) : s.value === undefined ? 'missing' : JSON.stringify(s.value)}`)));
  }
  for (const n of d.notes ?? []) {
    console.log(`  note from ${n.id}:`);
    if (n.message.zh) console.log(`    ${n.message.zh}`);
    if (n.message.en) console.log(`    ${n.message.en}`);
  }
}
