// Stage 5 (codegen.ts): memo fills out of line, in large packs. A predicate
// or shared sub-expression is a local filled on first use, and every use
// could be the first, so each use carries the whole fill: in a 10,000-rule
// pack about half the generated source is the same few hundred fills
// written again at each of twenty thousand uses. There each fill becomes one
// function of the program, called from every use (`(s4 === U ? (s4 =
// mf7(P, M, f1, f8)) : s4)`): the tests a decision passes through are short
// and close together, and the fill's code is one copy that every type's copy
// of decide() shares and warms.
//
// A fill moves only when its text names nothing but the decision's provider
// and Memo (P, M), event slots (fN, passed as arguments of the same names),
// its own temporaries (tN, declared in the function) and the program's own
// names (constants cN, entity getters getEN, U, R). One that holds another
// memo (a local of its caller), a history filter's `h`, an arrow function's
// parameter or anything else stays where it is: the text is the same
// expression either way, evaluated in the same order with the same values.

/**
 * Enabled rules from which fills move out of line. Below it the fills are
 * few and each is used a few times: the code stays as it was (the 100-rule
 * pack and fraud40 are byte-identical).
 */
export const OUTLINE_RULES = 1000;
/** A fill shorter than this is cheaper written out than called. */
const OUTLINE_CHARS = 40;

const STRINGS = /"(?:[^"\\]|\\.)*"/g;
/** Names in generated code: not a property (after a dot), not inside a number (1e5). */
const NAMES = /(?<![\w$.])[A-Za-z_$][\w$]*/g;
const PROGRAM = /^(?:U|R|undefined|true|false|null|typeof|void|c\d+|getE\d+)$/;

export class OutOfLineFills {
  private readonly byText = new Map<string, string>();
  private readonly texts: string[] = [];

  constructor(readonly enabled: boolean) {}

  /** The fill as written at a use: a call of its function, or the fill itself when it stays in line. */
  fill(text: string): string {
    if (!this.enabled || text.length < OUTLINE_CHARS) return text;
    const known = this.byText.get(text);
    if (known !== undefined) return known;
    const slots = new Set<number>();
    const temps = new Set<number>();
    let provider = false;
    let memo = false;
    for (const [name] of text.replace(STRINGS, '""').matchAll(NAMES)) {
      if (name === 'P') provider = true;
      else if (name === 'M') memo = true;
      else if (/^f\d+$/.test(name)) slots.add(Number(name.slice(1)));
      else if (/^t\d+$/.test(name)) temps.add(Number(name.slice(1)));
      else if (!PROGRAM.test(name)) { this.byText.set(text, text); return text; }
    }
    const params = [...(provider ? ['P'] : []), ...(memo ? ['M'] : []), ...[...slots].sort((a, b) => a - b).map((i) => `f${i}`)].join(', ');
    const name = `mf${this.texts.length}`;
    const declared = temps.size ? `let ${[...temps].sort((a, b) => a - b).map((i) => `t${i}`).join(', ')}; ` : '';
    this.texts.push(`function ${name}(${params}) { ${declared}return ${text}; }`);
    const call = `${name}(${params})`;
    this.byText.set(text, call);
    return call;
  }

  /** The functions, for the program (those of passes whose text was not kept are dropped). */
  functions(parts: readonly string[]): string[] {
    const used = new Set<number>();
    for (const part of parts) for (const [, i] of part.matchAll(/(?<![\w$.])mf(\d+)\(/g)) used.add(Number(i));
    return this.texts.filter((_, i) => used.has(i));
  }
}
