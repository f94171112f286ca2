// Stage 5 (codegen.ts): what every part of the generator shares. The
// factory being built (its constants, the readers of lazily read fields),
// the function being written (its Scope: temporaries, memo uses, the event
// slots it reads), and the names generated code gives event slots, entity
// slots and predicates. Rule text reaches the source only through escape.ts.
import { TIME_FIELD } from './check/context.ts';
import type { CheckedPack, IR } from './ir.ts';
import { children } from './optimize/fold.ts';
import { Specializer } from './optimize/specialize.ts';
import { Records } from './codegen-records.ts';
import { NOTHING_KNOWN, type KnownAt } from './codegen-layout.ts';

export type Ctx = 'T' | 'F' | 'V';

/**
 * One generated function's state. Predicates and shared sub-expressions are
 * local variables filled on first use; each pass over a function records how
 * each is used (tested for true, for false, or as a value) so the next can
 * store only what is needed — a plain boolean when it is only ever tested for
 * true — and in what representation it wrote each one (`written`).
 */
export class Scope {
  /** Temporaries live within one rule's test: numbered from 0 in each rule, declared up to the most any rule needs. */
  temps = 0;
  maxTemps = 0;
  used = new Map<string, Set<Ctx>>();
  repr = new Map<string, Ctx>();
  /** Event slots the function reads (a group function takes them as parameters). */
  slots = new Set<string>();
  /** Memo fills being generated, and whether one ever held another memo. */
  filling = 0;
  nested = false;
  /** The representation assumed for a memo not yet in `repr`. */
  guess: Ctx = 'V';
  /** While one rule is generated: the memo uses and representations its text depends on. */
  recording: { uses: [string, Ctx][]; reprs: [string, Ctx][] } | undefined;
  /**
   * Event fields read as needed (explain, notes) instead of all at the
   * start: `fN` starts as U, and each part that reads it first fills it with
   * its reader `rN(src, at)` (see `Generator.lazily`); `needed` collects them.
   */
  lazy = false;
  needed = new Set<string>();
  /**
   * The representation each memo was written in (shared with the scopes of
   * history filters); `mixed` when one was written in two. A pass whose
   * memos were all written as the uses it found ask is the function's final
   * text: another pass would write the same. `depth`: the most memo fills
   * a memo was written inside.
   */
  written: { readonly reprs: Map<string, Ctx>; mixed: boolean; depth: number } = { reprs: new Map(), mixed: false, depth: 0 };
  constructor(readonly at: KnownAt = NOTHING_KNOWN) {}
  wrote(key: string, repr: Ctx): void {
    const w = this.written;
    const before = w.reprs.get(key);
    if (before === undefined) w.reprs.set(key, repr);
    else if (before !== repr) w.mixed = true;
  }
  use(key: string, ctx: Ctx): void {
    let s = this.used.get(key);
    if (!s) this.used.set(key, (s = new Set()));
    s.add(ctx);
    this.recording?.uses.push([key, ctx]);
  }
}

export abstract class Emitter {
  protected readonly constants: unknown[] = [];
  protected readonly prelude: string[] = [];
  private readonly constIndex = new Map<string, string>();
  protected readonly eventSlots = new Map<string, string>();
  protected readonly entitySlots = new Map<string, { index: number; slots: Map<string, string> }>();
  protected readonly predIndex = new Map<string, number>();
  protected readonly sharedBodies = new Map<number, IR>();
  protected scope = new Scope();
  protected readonly specializer: Specializer;
  /** `rN(src, at)`: one event field read and checked, for functions that read fields lazily. */
  private readonly readers = new Map<string, string>();
  protected readonly readerText: string[] = [];
  protected readonly records: Records;

  constructor(protected readonly pack: CheckedPack) {
    this.records = new Records((v, wrap) => this.constant(v, wrap));
    pack.eventFields.forEach((f, i) => this.eventSlots.set(f, `f${i}`));
    [...pack.schema.entities.values()].forEach((e, i) =>
      this.entitySlots.set(e.name, { index: i, slots: new Map([...e.fields.keys()].map((f, j) => [f, `f${j}`])) }));
    [...pack.predicates.keys()].forEach((p, i) => this.predIndex.set(p, i));
    const collect = (e: IR): void => {
      if (e.k === 'shared') {
        const b = this.sharedBodies.get(e.slot);
        // The same body again: walked already, with every slot inside it.
        if (b === e.x) return;
        if (b === undefined) this.sharedBodies.set(e.slot, e.x);
      }
      // The commonest kinds without a children() array, in its order.
      switch (e.k) {
        case 'lit': case 'field': case 'pred': case 'now': case 'hfield': case 'agg': return;
        case 'and': case 'or': for (const x of e.xs) collect(x); return;
        case 'cmp': case 'arith': case 'coalesce': collect(e.l); collect(e.r); return;
        default: for (const c of children(e)) collect(c);
      }
    };
    pack.rules.forEach((r) => { collect(r.condition); if (r.note) collect(r.note.condition); });
    pack.predicates.forEach((d) => collect(d.body));
    this.specializer = new Specializer(pack.predicates, this.sharedBodies);
  }

  /** An event field's local, recorded as read by the current function. */
  protected slot(field: string): string {
    const s = this.eventSlots.get(field)!;
    this.scope.slots.add(s);
    if (this.scope.lazy) this.scope.needed.add(field);
    return s;
  }

  /** Code that reads event fields lazily: preceded by the reads of those it needs and no one has filled yet. */
  protected lazily(gen: () => string): string {
    const scope = this.scope;
    const outer = scope.needed;
    const needed = (scope.needed = new Set());
    const text = gen();
    scope.needed = outer;
    needed.forEach((f) => outer.add(f));
    const fills = [...needed].map((f) => { const s = this.eventSlots.get(f)!; return `if (${s} === U) ${s} = ${this.reader(f)}(src, at); `; });
    return fills.join('') + text;
  }

  /** The function that reads and checks one event field, as decide() does (generated once). */
  private reader(field: string): string {
    let name = this.readers.get(field);
    if (!name) {
      name = `r${this.eventSlots.get(field)!.slice(1)}`;
      this.readers.set(field, name);
      const f = this.pack.schema.event.fields.get(field)!;
      this.readerText.push(`function ${name}(src, at) {\n  const v = ${this.readField(field)};\n  return ${this.records.check(f, 'event')};\n}`);
    }
    return name;
  }

  /** The raw value of an event field; the event's time is the caller's `at` when it gave one. */
  protected readField(field: string): string {
    const read = this.records.readProp('src', field);
    return field === TIME_FIELD ? `at === undefined ? ${read} : at` : read;
  }

  /** A constant from K, as a prelude variable; `wrap` rebuilds Sets and pattern matchers. */
  protected constant(value: unknown, wrap: (k: string) => string = (k) => k): string {
    // Lists come back many times as the same array: skip serializing them again.
    const form = wrap('#');
    const byIdentity = typeof value === 'object' && value !== null ? this.constByIdentity.get(form)?.get(value) : this.constByValue.get(form)?.get(value);
    if (byIdentity) return byIdentity;
    const key = JSON.stringify([value, form]);
    const known = this.constIndex.get(key);
    if (known) { this.rememberConstant(value, form, known); return known; }
    const name = `c${this.constIndex.size}`;
    this.constants.push(value);
    this.prelude.push(`const ${name} = ${wrap(`K[${this.constants.length - 1}]`)};`);
    this.constIndex.set(key, name);
    this.rememberConstant(value, form, name);
    return name;
  }

  /** A constant only one place uses (a large table): no key serialized to find it again. */
  protected table(value: unknown, wrap: (k: string) => string = (k) => k): string {
    const name = `c${this.constIndex.size}`;
    this.constants.push(value);
    this.prelude.push(`const ${name} = ${wrap(`K[${this.constants.length - 1}]`)};`);
    // Keys are JSON arrays: this one cannot be another constant's.
    this.constIndex.set(`#${name}`, name);
    return name;
  }

  /** By form, then the object itself (most objects are asked for in one form: no Map per object). */
  private readonly constByIdentity = new Map<string, WeakMap<object, string>>();
  /** Numbers and strings (a function's index, most often) by value: a key equal in SameValueZero is equal as JSON too. */
  private readonly constByValue = new Map<string, Map<unknown, string>>();
  private rememberConstant(value: unknown, form: string, name: string): void {
    if (typeof value !== 'object' || value === null) {
      let m = this.constByValue.get(form);
      if (!m) this.constByValue.set(form, (m = new Map()));
      m.set(value, name);
      return;
    }
    let m = this.constByIdentity.get(form);
    if (!m) this.constByIdentity.set(form, (m = new WeakMap()));
    m.set(value, name);
  }

  protected temp(): string {
    const scope = this.scope;
    const t = `t${scope.temps++}`;
    if (scope.temps > scope.maxTemps) scope.maxTemps = scope.temps;
    return t;
  }

  protected now(): string {
    return this.slot(TIME_FIELD);
  }
}
