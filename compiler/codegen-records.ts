// Reading input records in generated code: an event field or an entity row
// field read from the object as given, checked against its declared type
// (a fast test for the usual case, R.coerce for the rest and for the error),
// and entity rows copied into small generated classes with slot names.
import { inheritedName, jsNumber, jsString } from './escape.ts';
import { MAX_TIMESTAMP, MIN_TIMESTAMP } from './literals.ts';
import type { EntityInfo, FieldInfo } from './ir.ts';

/**
 * Enum members up to this many are checked with `===` rather than a Set:
 * strings of different lengths compare in a step, and a Set lookup hashes the
 * value first (measured: a 9-member event type checked through a Set cost
 * about a tenth of a flat record's decision).
 */
const SMALL_SET = 16;

/** A constant from K, as generated code refers to it; `wrap` rebuilds Sets and pattern matchers. */
export type ConstantRef = (value: unknown, wrap?: (k: string) => string) => string;

export class Records {
  constructor(private readonly constant: ConstantRef) {}

  /** `v` holds `src[name]`, read from an object with nothing to inherit (see `ownOnly`). */
  check(f: FieldInfo, prefix: string): string {
    const path = jsString(`${prefix}.${f.name}`);
    const missing = f.required ? `R.required(${path})` : 'undefined';
    const fast = this.fastCheck(f);
    return `v === undefined || v === null ? ${missing} : ${fast ? `${fast} ? v : ` : ''}R.coerce(${this.constant(f.type)}, v, ${path})`;
  }

  /**
   * `v` (holding `src[name]`) passes `check` unchanged: missing and optional,
   * or of its type. Undefined for a type without a fast test. Anything else
   * (a wrong type, a missing required field, a value check would convert)
   * is left to `check` itself.
   */
  passes(f: FieldInfo): string | undefined {
    const fast = this.fastCheck(f);
    if (!fast) return undefined;
    return f.required ? `(v !== undefined && v !== null && ${fast})` : `(v === undefined || v === null || ${fast})`;
  }

  /**
   * Only own properties count, as in the interpreter. Checking each read would
   * cost as much as the rules; instead, an object that could inherit a field —
   * a prototype other than Object.prototype, or an Object.prototype someone
   * has added properties to — is first copied into a null-prototype record;
   * `after` runs once it is (it reads again what was read before the test).
   */
  ownOnly(src: string, after = ''): string {
    const test = `Object.getPrototypeOf(${src}) === Object.prototype ? R.polluted() : Object.getPrototypeOf(${src}) !== null`;
    return after ? `if (${test}) { ${src} = R.ownCopy(${src}); ${after} }` : `if (${test}) ${src} = R.ownCopy(${src});`;
  }

  recordClass(name: string, e: EntityInfo): string {
    return `function ${name}() {${[...e.fields.keys()].map((_, i) => ` this.f${i} = undefined;`).join('')} }`;
  }

  /**
   * Finds an entity's row through the provider. Each pack has its own getter
   * (rather than one shared helper), so that its calls stay monomorphic when
   * one process runs several packs; a row that is not an object goes through
   * R.entity, which asks again and reports it (ZY4003).
   */
  entityGetter(i: number, e: EntityInfo): string {
    const name = jsString(e.name);
    return [
      `function getE${i}(P, key) {`,
      '  if (key === undefined) return null;',
      `  const row = P.entity(${name}, key);`,
      '  if (row === undefined || row === null) return null;',
      `  return typeof row === "object" && !Array.isArray(row) ? loadE${i}(row) : R.entity(P, ${name}, key, loadE${i});`,
      '}',
    ].join('\n');
  }

  /** An entity row is checked whole when it is first read, and copied into its slots. */
  entityLoader(name: string, cls: string, e: EntityInfo): string {
    const lines = [`function ${name}(src) {`, `  ${this.ownOnly('src')}`, `  const o = new ${cls}();`, '  let v;'];
    [...e.fields.values()].forEach((f, i) => {
      lines.push(`  v = ${this.readProp('src', f.name)};`, `  o.f${i} = ${this.check(f, e.name)};`);
    });
    lines.push('  return o;', '}');
    return lines.join('\n');
  }

  private fastCheck(f: FieldInfo): string | undefined {
    switch (f.type.t) {
      case 'string': return 'typeof v === "string"';
      case 'bool': return 'typeof v === "boolean"';
      case 'number': return '(typeof v === "number" && v - v === 0)';
      case 'integer': case 'money': case 'duration': return 'Number.isSafeInteger(v)';
      // Epochs outside the years 0000–9999 go to R.coerce, which refuses them.
      case 'timestamp': return `(Number.isSafeInteger(v) && v >= ${jsNumber(MIN_TIMESTAMP)} && v <= ${jsNumber(MAX_TIMESTAMP)})`;
      case 'enum': {
        const m = f.type.members;
        return m.length <= SMALL_SET
          ? `(${m.map((x) => `v === ${jsString(x)}`).join(' || ')})`
          : `(typeof v === "string" && ${this.constant(m, (k) => `new Set(${k})`)}.has(v))`;
      }
      default: return undefined;
    }
  }

  readProp(obj: string, name: string): string {
    return inheritedName(name) ? `R.own(${obj}, ${jsString(name)})` : `${obj}[${jsString(name)}]`;
  }
}
