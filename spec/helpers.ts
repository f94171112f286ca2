// Small helpers shared by the suites: compile a pack from text, decide with
// both evaluators, and read diagnostics as `CODE line:col`.
import { compile, type CompileResult } from '../compiler/index.ts';
import { positionOf } from '../compiler/source.ts';
import { interpret, load, MemoryProvider, type Decision, type FeatureProvider } from '../runtime/index.ts';

export const HEADER = `pack t version "1"
outcomes block > hold > review > allow
event {
  type: enum(login, transfer_out, drawdown, application) required
  amount: money
  customer_id: string
  device_id: string
  payee_id: string
  n: integer
  x: number
  flag: bool
  name: string
  at: timestamp
  tags: set<string>
}
entity customer by customer_id { age: integer, income: money, vip: bool }
`;

export function build(text: string, header = HEADER): CompileResult {
  return compile([{ path: 'header.zy', text: header }, { path: 'case.zy', text }]);
}

/** Diagnostics as `ZY2001 3:8` (positions in the file they are in). */
export function codes(r: CompileResult): string[] {
  return r.diagnostics.map((d) => {
    const f = r.files[d.span.file];
    const p = f ? positionOf(f, d.span.start) : { line: 0, column: 0 };
    return `${d.code} ${f?.path ?? '?'}:${p.line}:${p.column}`;
  });
}

/** Decides with the compiled engine and the interpreter; they must agree. */
export function decideBoth(r: CompileResult, event: unknown, provider: FeatureProvider = new MemoryProvider()): Decision {
  if (!r.ok) throw new Error(`compile failed: ${codes(r).join(', ')}`);
  const a = load({ pack: r.optimized!, code: r.code! }).decide(event, provider);
  const b = interpret(r.checked!, event, provider).decision;
  const ja = JSON.stringify(a);
  const jb = JSON.stringify(b);
  if (ja !== jb) throw new Error(`compiled and interpreted decisions differ:\n${ja}\n${jb}`);
  return a;
}
