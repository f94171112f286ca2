// JSON Logic import (import.ts): the fields a rule's vars name, and their
// types, from the schema or, without one, from what they are compared with.
import { nearest } from '../diagnostics.ts';
import type { Schema } from '../ir.ts';
import type { Type } from '../types.ts';
import type { JlNode, OpNode } from './ast.ts';
import { staticPath } from './codegen-paths.ts';
import type { ProblemKind } from './import.ts';


export type Kind = 'number' | 'integer' | 'money' | 'duration' | 'timestamp' | 'string' | 'enum' | 'bool' | 'set';
export interface Field {
  readonly text: string;
  readonly kind: Kind;
  readonly members?: readonly string[];
  readonly element?: Kind;
  /** Never missing: a required event field, or the event time. */
  readonly required: boolean;
}

export class Unsupported extends Error {
  constructor(readonly path: string, readonly reason: string, readonly kind: ProblemKind = 'subset', readonly hint?: string) { super(reason); }
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Resolves var paths to fields; infers types when there is no schema. */
export class Fields {
  readonly layout: 'decision' | 'event';
  private readonly inferred = new Map<string, Set<Kind>>();

  constructor(private readonly schema: Schema | undefined, asts: readonly JlNode[]) {
    const entities = new Set(['event', ...(schema ? schema.entities.keys() : [])]);
    let decision = false;
    const visit = (n: JlNode) => {
      const note = (path: JlNode | undefined) => {
        const keys = staticPath(path);
        if (keys && keys.length === 2 && (entities.has(keys[0]!) || !schema)) decision = true;
      };
      if (n.kind === 'op' && n.op === 'var') note(n.args[0]);
      // `missing` names fields too: {"missing": ["event.note"]} is the decision layout.
      if (n.kind === 'op' && n.op === 'missing') (n.args[0]?.kind === 'array' ? n.args[0].items : n.args).forEach((k) => { if (k.kind === 'value') note(k); });
      if (n.kind === 'op') n.args.forEach(visit);
      if (n.kind === 'array') n.items.forEach(visit);
    };
    asts.forEach(visit);
    this.layout = decision ? 'decision' : 'event';
    if (!schema) asts.forEach((a) => this.infer(a));
  }

  /** The field a `var` reads, or why it cannot be one. */
  resolve(n: OpNode): Field {
    const keys = staticPath(n.args[0]);
    if (!keys) throw new Unsupported(n.path, 'a var whose path is computed while running: a zhiyu feature is named in the rule');
    if (keys.length === 0) throw new Unsupported(n.path, 'a var of the whole data: zhiyu reads named fields');
    let entity: string;
    let field: string;
    if (this.layout === 'event') {
      if (keys.length === 2 && this.schema && !this.schema.event.fields.has(keys[0]!) && !this.schema.entities.has(keys[0]!) && keys[0] !== 'event') {
        // Not an entity of the schema, and not a field of the event either: a misspelt entity.
        const names = ['event', ...this.schema.entities.keys()];
        throw new Unsupported(n.path, `the schema has no entity ${JSON.stringify(keys[0])}`, 'name', nearName(keys[0]!, names, keys[1]!));
      }
      if (keys.length !== 1) throw new Unsupported(n.path, `the path ${JSON.stringify(keys.join('.'))} reads inside a field: zhiyu fields are not objects`);
      [entity, field] = ['event', keys[0]!];
    } else {
      if (keys.length !== 2) {
        throw new Unsupported(n.path, keys.length === 1
          ? `the bare name ${JSON.stringify(keys[0])} next to entity paths: write "event.${keys[0]}" (or use bare names only)`
          : `the path ${JSON.stringify(keys.join('.'))} is deeper than entity.field`);
      }
      [entity, field] = [keys[0]!, keys[1]!];
    }
    if (!NAME.test(entity) || !NAME.test(field)) throw new Unsupported(n.path, `${JSON.stringify(`${entity}.${field}`)} is not a zhiyu feature name (letters, digits and _)`);
    const text = `${entity}.${field}`;
    if (this.schema) {
      const info = entity === 'event' ? this.schema.event : this.schema.entities.get(entity);
      if (!info) throw new Unsupported(n.path, `the schema has no entity ${JSON.stringify(entity)}`, 'name', nearName(entity, ['event', ...this.schema.entities.keys()], field));
      const f = info.fields.get(field) ?? (entity === 'event' && field === 'occurred_at' ? { type: { t: 'timestamp' } as Type, required: true } : undefined);
      if (!f) {
        const prefix = this.layout === 'event' ? '' : `${entity}.`;
        const near = nearest(field, [...info.fields.keys(), ...(entity === 'event' ? ['occurred_at'] : [])]);
        throw new Unsupported(n.path, `${entity === 'event' ? 'the event' : `entity ${entity}`} has no field ${JSON.stringify(field)} in the schema`, 'name',
          near ? `did you mean ${JSON.stringify(`${prefix}${near}`)}?` : undefined);
      }
      return fieldOf(text, f.type, entity === 'event' && (f.required || field === 'occurred_at'), n.path);
    }
    const kinds = this.inferred.get(text);
    if (!kinds || kinds.size === 0) throw new Unsupported(n.path, `without a schema, the type of ${text} cannot be told from the rule`);
    if (kinds.size > 1) throw new Unsupported(n.path, `without a schema, ${text} is used as ${[...kinds].join(' and as ')}`);
    return { text, kind: [...kinds][0]!, required: false };
  }

  assumptions(): string[] {
    return [...this.inferred].filter(([, k]) => k.size === 1).map(([f, k]) => `${f}: ${[...k][0]}`).sort();
  }

  /** Without a schema: a field compared with a number is a number, and so on. */
  private infer(n: JlNode): void {
    if (n.kind === 'array') n.items.forEach((x) => this.infer(x));
    if (n.kind !== 'op') return;
    n.args.forEach((x) => this.infer(x));
    const fieldOfNode = (x: JlNode | undefined): string | undefined => {
      if (x?.kind !== 'op' || x.op !== 'var') return undefined;
      const keys = staticPath(x.args[0]);
      if (!keys || keys.length === 0 || keys.length > 2) return undefined;
      return keys.length === 1 ? (this.layout === 'event' ? `event.${keys[0]}` : undefined) : `${keys[0]}.${keys[1]}`;
    };
    const note = (x: JlNode | undefined, kind: Kind) => {
      const f = fieldOfNode(x);
      if (!f) return;
      let s = this.inferred.get(f);
      if (!s) this.inferred.set(f, (s = new Set()));
      s.add(kind);
    };
    const scalarKind = (x: JlNode | undefined): Kind | undefined => {
      if (x?.kind === 'value' && typeof x.value === 'number') return 'number';
      if (x?.kind === 'value' && typeof x.value === 'string') return 'string';
      if (x?.kind === 'value' && typeof x.value === 'boolean') return 'bool';
      const d = x?.kind === 'op' && x.op === 'var' ? x.args[1] : undefined;
      return d ? scalarKind(d) : undefined;
    };
    const [a, b, c] = n.args;
    switch (n.op) {
      case '==': case '===': case '!=': case '!==': case '<': case '<=': case '>': case '>=': {
        for (const [x, y] of [[a, b], [b, a], [b, c], [c, b]] as const) {
          const k = scalarKind(y) ?? (isArith(y) ? 'number' : undefined);
          if (k) note(x, k);
        }
        break;
      }
      case 'in':
        if (b?.kind === 'array') {
          const kinds = new Set(b.items.map(scalarKind));
          if (kinds.size === 1 && [...kinds][0]) note(a, [...kinds][0]!);
        } else if (b?.kind === 'value' && typeof b.value === 'string') note(a, 'string');
        else if (a?.kind === 'value' && typeof a.value === 'string') note(b, 'string');
        break;
      case '+': case '-': case '*': case '/': case '%': case 'min': case 'max':
        n.args.forEach((x) => note(x, 'number'));
        break;
      case '!': case '!!': note(a, 'bool'); break;
      case 'and': case 'or': n.args.forEach((x) => note(x, 'bool')); break;
      case 'if': n.args.forEach((x, i) => { if (i % 2 === 0 && i < n.args.length - 1) note(x, 'bool'); }); break;
      default: break;
    }
    if (n.op === 'var') {
      const d = scalarKind(b);
      if (d) note(n, d);
    }
  }
}

/** "did you mean "customer.age"?" for a misspelt entity. */
function nearName(entity: string, entities: readonly string[], field: string): string | undefined {
  const near = nearest(entity, entities);
  return near ? `did you mean ${JSON.stringify(`${near}.${field}`)}?` : undefined;
}

function isArith(n: JlNode | undefined): boolean {
  return n?.kind === 'op' && ['+', '-', '*', '/', '%', 'min', 'max'].includes(n.op);
}

function fieldOf(text: string, t: Type, required: boolean, path: string): Field {
  switch (t.t) {
    case 'number': case 'integer': case 'money': case 'duration': case 'timestamp': case 'string': case 'bool':
      return { text, kind: t.t, required };
    case 'enum': return { text, kind: 'enum', members: t.members, required };
    case 'set': {
      const el = t.element.t === 'integer' ? 'integer' : 'string';
      return { text, kind: 'set', element: el, required };
    }
    default: throw new Unsupported(path, `${text} has a type JSON Logic data cannot hold`);
  }
}
