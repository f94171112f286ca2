// Stage 4 of JSON Logic (codegen.ts): the iterators map, filter, reduce,
// all, some and none. Each body becomes a function of its own, defined once
// in the factory, with its own temporaries and memos, since a body sees only
// its element (or, in reduce, {current, accumulator}).
import type { JlNode, OpNode } from './ast.ts';
import { DataReads } from './codegen-data.ts';
import { UNDEF } from './codegen-emitter.ts';
import { countPaths, Fn, needsWholeData, type Scope } from './codegen-paths.ts';

export abstract class Iterators extends DataReads {
  protected iterate(n: OpNode): string {
    const source = n.args[0];
    const body = n.args[1] ?? UNDEF;
    const src = source ? (source.kind === 'array' ? this.readOnly(source) : this.val(source)) : '(void 0)';
    const t = this.f.temp();
    switch (n.op) {
      case 'map': return `(isArray(${t} = ${src}) ? ${t}.map(${this.bodyFn(body, 'value')}) : [])`;
      case 'filter': return `(isArray(${t} = ${src}) ? ${t}.filter(${this.bodyFn(body, 'test')}) : [])`;
      case 'reduce': {
        const init = n.args[2] ? this.val(n.args[2]) : 'null';
        const ti = this.f.temp();
        return `(${t} = ${src}, ${ti} = ${init}, isArray(${t}) ? ${t}.reduce(${this.reduceFn(body)}, ${ti}) : ${ti})`;
      }
      default: return `${this.loopFn(n.op as 'all' | 'some' | 'none', body)}(${src})`;
    }
  }

  /** Runs `emit` as the body of a new function with its own temporaries and data. */
  private inFunction(scope: Scope, body: JlNode, emit: () => string): { decl: string[]; memos: string[]; expr: string } {
    const [savedF, savedScope] = [this.f, this.scope];
    this.f = new Fn();
    this.scope = scope;
    try {
      countPaths(body, this.f, scope);
      const expr = emit();
      return { decl: this.f.tempDecl(), memos: this.f.memoDecl(), expr };
    } finally {
      this.f = savedF;
      this.scope = savedScope;
    }
  }

  private define(lines: string[]): string {
    const name = `it${this.functions.length}`;
    this.functions.push(lines.join('\n').replace('function IT(', `function ${name}(`));
    return name;
  }

  /** A callback for Array.prototype.map or filter (which, like json-logic-js, skip holes). */
  private bodyFn(body: JlNode, how: 'value' | 'test'): string {
    const { decl, memos, expr } = this.inFunction({ kind: 'plain', data: 'd' }, body, () => (how === 'value' ? this.val(body) : this.test(body)));
    return this.define(['function IT(d) {', ...[...decl, ...memos].map((l) => `  ${l}`), `  return ${expr};`, '}']);
  }

  private reduceFn(body: JlNode): string {
    const whole = needsWholeData(body);
    const scope: Scope = whole ? { kind: 'reduce', cur: 'cur', acc: 'acc', data: 'd' } : { kind: 'reduce', cur: 'cur', acc: 'acc' };
    const { decl, memos, expr } = this.inFunction(scope, body, () => this.val(body));
    const record = whole ? ['  const d = { current: cur, accumulator: acc };'] : [];
    return this.define(['function IT(acc, cur) {', ...record, ...[...decl, ...memos].map((l) => `  ${l}`), `  return ${expr};`, '}']);
  }

  /** all / some / none: json-logic-js loops by index and stops at the first answer. */
  private loopFn(op: 'all' | 'some' | 'none', body: JlNode): string {
    const { decl, memos, expr } = this.inFunction({ kind: 'plain', data: 'd' }, body, () => this.test(body));
    const [onEmpty, onHit, hit, end] = op === 'all' ? ['false', 'false', `!(${expr})`, 'true']
      : op === 'some' ? ['false', 'true', expr, 'false'] : ['true', 'false', expr, 'true'];
    return this.define([
      'function IT(s) {',
      `  if (!isArray(s) || s.length === 0) return ${onEmpty};`,
      ...decl.map((l) => `  ${l}`),
      '  for (let i = 0; i < s.length; i++) {',
      '    const d = s[i];',
      ...memos.map((l) => `    ${l}`),
      `    if (${hit}) return ${onHit};`,
      '  }',
      `  return ${end};`,
      '}',
    ]);
  }
}
