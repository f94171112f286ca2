// Messages between the page and the language workers. Each worker keeps the
// pack's texts; a request carries only the files that changed since that
// worker last saw them (and the pack's file list), never the whole pack.
import type { Completion, SignatureHelp } from '../../compiler/service/index.ts';
import type { Symbol_ } from '../../compiler/service/symbols.ts';

export interface WireFile { readonly path: string; readonly text: string }

/** What changed since this worker's last request: new texts, and every file of the pack in order. */
export interface FileSync { readonly changed: readonly WireFile[]; readonly order: readonly string[] }

export interface WireDiagnostic {
  readonly path: string;
  readonly start: number;
  readonly end: number;
  readonly code: string;
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
  readonly hint?: string;
}

export interface WireTest {
  readonly name: string;
  readonly passed: boolean;
  readonly failures: readonly string[];
  /** For a failed test: each rule it is about, condition by condition, with the values it saw. */
  readonly details?: readonly string[];
  readonly path: string;
  readonly start: number;
  readonly outcome?: string;
}

/** A place in a file of the pack. */
export interface WireSpan { readonly path: string; readonly start: number; readonly end: number }

/** An event field as Try it's form shows it. */
export interface WireField {
  readonly name: string;
  /** `money`, `timestamp`, `enum`, `set` … */
  readonly t: string;
  /** How the type reads: `enum("a", "b")`, `set<string>`. */
  readonly type: string;
  readonly members?: readonly string[];
  readonly required: boolean;
  readonly description?: string;
}

export interface WireOutline {
  readonly name: string;
  readonly detail: string;
  readonly kind: string;
  readonly span: WireSpan;
  readonly nameSpan: WireSpan;
  readonly children: readonly WireOutline[];
}

export interface WireEdit { readonly span: WireSpan; readonly text: string }

export interface PackShape {
  readonly tests: string[];
  readonly rules: { id: string; path: string; start: number; end: number }[];
  readonly eventFields: WireField[];
}

type At = { sync: FileSync; path: string; offset: number };

export interface Requests {
  /** `names`: a hash of what completion's names come from; when it changes, the page gets completion new names. */
  analyze: { req: { sync: FileSync }; res: { diagnostics: WireDiagnostic[]; ms: number; names: string } & PackShape };
  lint: { req: { sync: FileSync }; res: { diagnostics: WireDiagnostic[]; ms: number } };
  /** Analyses the pack now, so the first completion or hover does not wait for it. */
  warm: { req: { sync: FileSync }; res: null };
  complete: { req: At & { explicit: boolean }; res: { from: number; items: Completion[] } };
  /** The pack's declared names (service worker), as completion needs them: by key, what `SymbolIndex.symbols` holds. */
  symbols: { req: { sync: FileSync }; res: [string, Symbol_][] };
  /** Completion answers from these names from now on, never waiting for an analysis of its own (completion worker). */
  useSymbols: { req: { sync: FileSync; symbols: [string, Symbol_][] }; res: null };
  signature: { req: At; res: SignatureHelp | null };
  hover: { req: At; res: { start: number; end: number; doc: string } | null };
  definition: { req: At; res: WireSpan | null };
  references: { req: At; res: WireSpan[] };
  prepareRename: { req: At; res: { span: WireSpan; text: string } | { error: string } };
  rename: { req: At & { newName: string }; res: { edits: WireEdit[] } | { error: string } };
  outline: { req: { sync: FileSync; path: string }; res: WireOutline[] };
  packSymbols: { req: { sync: FileSync; query: string }; res: (WireOutline & { path: string })[] };
  format: { req: { path: string; text: string }; res: { text: string } | { error: string; diagnostics: WireDiagnostic[] } };
  tests: { req: { sync: FileSync }; res: { results: WireTest[]; diagnostics: WireDiagnostic[] } };
}

export type RequestName = keyof Requests;
export interface RequestMessage<K extends RequestName = RequestName> { readonly id: number; readonly type: K; readonly body: Requests[K]['req'] }
export interface ResponseMessage { readonly id: number; readonly ok: boolean; readonly body?: unknown; readonly error?: string }
