// What the expression checker needs to know about the pack, and where it
// writes. Built once per check; the AST itself is never touched.
import type { Diagnostic } from '../diagnostics.ts';
import type { AggregateSpec, ConstInfo, ListInfo, LocalInfo, PredicateInfo, Schema } from '../ir.ts';
import type { Span } from '../source.ts';

/** Where an expression stands decides what its names may refer to. */
export type Scope =
  | 'rule' // rule conditions, predicates, message placeholders
  | 'filter' // an aggregate's `where`: bare names are fields of the history event
  | 'const' // constants and list members: literals and other constants only
  | 'record'; // test data: literals, constants, `now`, `missing`

export interface CheckContext {
  readonly diagnostics: Diagnostic[];
  readonly schema: Schema;
  readonly lists: ReadonlyMap<string, ListInfo>;
  /** Resolves a constant, checking it on first use; undefined if unknown. */
  readonly constant: (name: string, use: Span) => ConstInfo | 'broken' | undefined;
  /** Resolves a predicate, checking it on first use. */
  readonly predicate: (name: string, use: Span) => PredicateInfo | 'broken' | undefined;
  readonly isBroken: (name: string) => boolean;
  /** Registers an aggregate, returning the id of an equal one if already known. */
  readonly aggregate: (spec: Omit<AggregateSpec, 'id'>) => number;
  readonly allNames: () => Iterable<string>;
  /** Inside a rule: its `let` names declared so far (`'broken'` when the value did not check). */
  readonly locals?: ReadonlyMap<string, LocalInfo | 'broken'>;
  /** A new slot for a `let`, unique in the pack. */
  readonly localSlot: () => number;
}

/** The event's own time: every window and `now` are computed from it. */
export const TIME_FIELD = 'occurred_at';
/** The event field whose enum says what kind of event it is; a pack's `decides` names its members. */
export const TYPE_FIELD = 'type';
