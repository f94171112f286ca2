// Messages between the page and the language worker.
import type { Completion } from '../../compiler/service/index.ts';

export interface WireFile { readonly path: string; readonly text: string }

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

export interface Requests {
  analyze: { req: { files: WireFile[] }; res: { diagnostics: WireDiagnostic[]; ms: number; tests: string[]; rules: { id: string; path: string; start: number }[] } };
  lint: { req: Record<string, never>; res: { diagnostics: WireDiagnostic[]; ms: number } };
  complete: { req: { path: string; offset: number; text: string }; res: { from: number; items: Completion[] } };
  hover: { req: { path: string; offset: number }; res: { start: number; end: number; doc: string } | null };
  definition: { req: { path: string; offset: number }; res: { path: string; start: number; end: number } | null };
  format: { req: { text: string }; res: { text: string } | { error: string } };
  tests: { req: { files: WireFile[] }; res: { results: WireTest[]; diagnostics: WireDiagnostic[] } };
}

export type RequestName = keyof Requests;
export interface RequestMessage<K extends RequestName = RequestName> { readonly id: number; readonly type: K; readonly body: Requests[K]['req'] }
export interface ResponseMessage { readonly id: number; readonly ok: boolean; readonly body?: unknown; readonly error?: string }
