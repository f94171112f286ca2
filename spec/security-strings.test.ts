// Hostile string literals and messages stay data (see spec/security-harness.ts for
// what every case checks).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MemoryProvider } from '../runtime/index.ts';
import { both, compiled, decided, dsl, dslBody, fired, guarded, NOW } from './security-harness.ts';

const PWN = 'globalThis.__pwned = true';
const PAYLOADS: [string, string][] = [
  ['double quote', `"; ${PWN}; "`],
  ['single quote', `'; ${PWN}; '`],
  ['backtick', `\`; ${PWN}; \``],
  ['template placeholder', `\${${PWN}}`],
  ['comment close', `*/ ${PWN}; /*`],
  ['backslash quote', `\\"; ${PWN}; //`],
  ['lone backslash', '\\'],
  ['backslashes and quotes', '\\\\"\\\'\\'],
  ['</script>', `</script><script>${PWN}</script>`],
  ['HTML comment', `<!-- ${PWN} -->`],
  ['line separators', `\u2028${PWN}\u2029//`],
  ['newlines', `\n${PWN}; //\r\n`],
  ['NUL', `\0; ${PWN}; \u0000`],
  ['lone surrogates', '\ud800 lone \udc00 surrogates \udbff'],
  ['astral and CJK', '\u{1F600} 智御 — 诈骗'],
  ['closers', `]); }); ${PWN}; ({ ([`],
  ['control characters', '\t\b\f\v\u001b[31m\u007f'],
  // The pack repeats it ~26 times, and a file may have at most 1 Mi characters (LANGUAGE.md §15).
  ['very long', `${'x'.repeat(20_000)}"; ${PWN}; "${'\u2028'.repeat(1000)}`],
];

function hostilePack(p: string, mode: 'u4' | 'braces' | 'raw'): string {
  const S = dsl(p, mode);
  const M = dsl(p, mode, true);
  const big = ['1', '2', '3', '4', '5', '6', '7'].map((x) => `"${x}"`).join(', ');
  return `pack sec version ${S}
outcomes block > review > allow
event ${S} {
  name: string ${S}
  alt: string
  type: enum(a, b)
}
entity customer by name ${S} { nick: string ${S} }
list L: string = [${S}, "x"]
list BIG: string = [${S}, ${big}]
list EXT: string external ${S}
const S = ${S}
predicate IS_S ${S} = event.name == S
rule EQ ${S}
  owner ${S} tags a, b
  when event.name == ${S}
  then block
  reason R1
  message ${M} en "${dslBody(p, mode, true)}{event.name}"
rule IN_SMALL when event.name in [${S}, "y"] and event.name not in ["y"] then review
rule IN_BIG when event.name in BIG and event.name in [${S}, ${big}] then review
rule IN_L when event.name in L then review
rule PRED when IS_S then review
rule FNS when starts_with(event.name, ${S}) and ends_with(event.name, ${S}) and contains(event.name, ${S}) then review
rule LOWER when lower(event.name) == lower(${S}) and upper(S) == upper(event.name) and len(event.name) == len(S) then review
rule CUST when customer.nick == ${S} then review
rule HIST when count(where name == ${S}) >= 1 and count(where name == S, including current) >= 2 then review
  message "{count(where name == S)} {contains(event.name, '\${\`*/</script>')}"
rule EXTL when event.name in EXT then review
rule COAL when (event.alt ?? ${S}) == ${S} and (event.type ?? "a") == "a" then review
`;
}
const ALL_RULES = ['COAL', 'CUST', 'EQ', 'EXTL', 'FNS', 'HIST', 'IN_BIG', 'IN_L', 'IN_SMALL', 'LOWER', 'PRED'];

for (const [label, p] of PAYLOADS) {
  guarded(`hostile string literal stays data: ${label}`, () => {
    for (const mode of ['u4', 'braces', 'raw'] as const) {
      const r = compiled(hostilePack(p, mode));
      // The literal's value reaches the rules exactly: every rule fires on an event carrying it.
      const provider = new MemoryProvider({
        entities: { customer: new Map([[p, { nick: p }]]) },
        history: [{ name: p, occurred_at: NOW - 1000 }],
        lists: { EXT: [p] },
      });
      const d = decided(both(r, { name: p, occurred_at: NOW }, provider));
      assert.equal(fired(d), ALL_RULES, `${mode}: not every rule fired`);
      assert.is(d.version, p);
      const eq = d.fired.find((f) => f.id === 'EQ')!;
      assert.is(eq.title, p);
      assert.is(eq.message.zh, p);
      assert.is(eq.message.en, p + p);
      assert.is(d.fired.find((f) => f.id === 'HIST')!.message.zh, `1 ${String(p.includes('${`*/</script>'))}`);
      // And only on such an event.
      const other = decided(both(r, { name: `${p}!`, type: 'b', occurred_at: NOW }, provider));
      const q = `${p}!`;
      assert.equal(fired(other), q.startsWith(p) && q.endsWith(p) && q.includes(p) ? ['FNS'] : []);
      both(r, { occurred_at: NOW }, provider);
      both(r, { name: p, type: p, occurred_at: NOW }, provider);
    }
  });
}

test.run();
