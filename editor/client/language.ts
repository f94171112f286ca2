// The zhiyu language in Monaco. Highlighting runs the compiler's own lexer
// (its token definitions) on each line; completion, signature help, hover,
// go to definition, references, rename, the outline, quick fixes and
// formatting ask the language service worker, which runs the compiler.
import * as monaco from 'monaco-editor/editor/editor.api.js';
import type { TokenType } from 'chevrotain';
import { Keyword, tokenize } from '../../compiler/lexer.ts';
import type { CompletionKind } from '../../compiler/service/index.ts';
import { fixFromHint } from '../../compiler/service/quickfix.ts';
import { LANGUAGE } from './files.ts';
import type { RequestName, Requests, WireDiagnostic, WireEdit, WireOutline, WireSpan } from './protocol.ts';


function tokenClass(t: TokenType, image: string): string {
  if (t.CATEGORIES?.includes(Keyword)) return ['true', 'false', 'missing', 'now'].includes(image) ? 'constant' : 'keyword';
  switch (t.name) {
    case 'Comment': return 'comment';
    case 'StringLit': case 'UnterminatedString': return 'string';
    case 'NumberLit': return 'number';
    case 'MoneyLit': return 'number.money';
    case 'DurationLit': return 'number.duration';
    case 'TimestampLit': return 'number.timestamp';
    case 'Identifier': return /^[A-Z][A-Z0-9_]+$/.test(image) ? 'type.identifier' : 'identifier';
    case 'LParen': case 'RParen': case 'LBrace': case 'RBrace': case 'LBracket': case 'RBracket': return 'delimiter.bracket';
    case 'Comma': case 'Colon': case 'Dot': return 'delimiter';
    default: return 'operator';
  }
}

class LineState implements monaco.languages.IState {
  clone(): LineState { return this; }
  equals(other: monaco.languages.IState): boolean { return other === this; }
}
const STATE = new LineState();

const KINDS: Record<CompletionKind, monaco.languages.CompletionItemKind> = {
  keyword: monaco.languages.CompletionItemKind.Keyword,
  field: monaco.languages.CompletionItemKind.Field,
  entity: monaco.languages.CompletionItemKind.Class,
  list: monaco.languages.CompletionItemKind.Enum,
  const: monaco.languages.CompletionItemKind.Constant,
  predicate: monaco.languages.CompletionItemKind.Interface,
  function: monaco.languages.CompletionItemKind.Function,
  outcome: monaco.languages.CompletionItemKind.EnumMember,
  rule: monaco.languages.CompletionItemKind.Reference,
  unit: monaco.languages.CompletionItemKind.Unit,
  value: monaco.languages.CompletionItemKind.Value,
  fixture: monaco.languages.CompletionItemKind.Module,
  let: monaco.languages.CompletionItemKind.Variable,
};

const SYMBOL_KINDS: Record<string, monaco.languages.SymbolKind> = {
  rule: monaco.languages.SymbolKind.Function, test: monaco.languages.SymbolKind.Method, const: monaco.languages.SymbolKind.Constant,
  predicate: monaco.languages.SymbolKind.Boolean, list: monaco.languages.SymbolKind.Array, entity: monaco.languages.SymbolKind.Class,
  event: monaco.languages.SymbolKind.Struct, field: monaco.languages.SymbolKind.Field, outcome: monaco.languages.SymbolKind.EnumMember,
  pack: monaco.languages.SymbolKind.Package, threshold: monaco.languages.SymbolKind.Number,
  fixture: monaco.languages.SymbolKind.Object, let: monaco.languages.SymbolKind.Variable, decides: monaco.languages.SymbolKind.Key, measured: monaco.languages.SymbolKind.Key, invariant: monaco.languages.SymbolKind.Boolean,
};

export interface LanguageHost {
  pathOf(m: monaco.editor.ITextModel): string;
  model(path: string): monaco.editor.ITextModel | undefined;
  /** A request to the language service worker, with the active pack's texts brought up to date. */
  ask<K extends RequestName>(type: K, body: Omit<Requests[K]['req'], 'sync'>): Promise<Requests[K]['res']>;
  /** Opens another file of the pack at a place (go to definition, a reference, a rename's result). */
  reveal(path: string, start: number, end: number): void;
  /** Format was refused: say so where the analyst looks. */
  formatRefused(path: string, diagnostics: WireDiagnostic[]): void;
}

export function registerLanguage(host: LanguageHost): void {
  const range = (s: WireSpan): monaco.Range | undefined => {
    const m = host.model(s.path);
    if (!m) return undefined;
    const a = m.getPositionAt(s.start);
    const b = m.getPositionAt(s.end);
    return new monaco.Range(a.lineNumber, a.column, b.lineNumber, b.column);
  };
  const location = (s: WireSpan): monaco.languages.Location | undefined => {
    const r = range(s);
    const m = host.model(s.path);
    return r && m ? { uri: m.uri, range: r } : undefined;
  };
  const workspaceEdit = (edits: readonly WireEdit[]): monaco.languages.WorkspaceEdit => ({
    edits: edits.flatMap((e) => {
      const m = host.model(e.span.path);
      const r = range(e.span);
      return m && r ? [{ resource: m.uri, textEdit: { range: r, text: e.text }, versionId: m.getVersionId() }] : [];
    }),
  });
  const at = (model: monaco.editor.ITextModel, position: monaco.IPosition) => ({ path: host.pathOf(model), offset: model.getOffsetAt(position) });

  monaco.languages.register({ id: LANGUAGE, extensions: ['.zy'], aliases: ['zhiyu'] });
  monaco.languages.setLanguageConfiguration(LANGUAGE, {
    comments: { lineComment: '#' },
    brackets: [['(', ')'], ['[', ']'], ['{', '}']],
    autoClosingPairs: [{ open: '(', close: ')' }, { open: '[', close: ']' }, { open: '{', close: '}' }, { open: '"', close: '"', notIn: ['string', 'comment'] }],
    wordPattern: /[A-Za-z_][A-Za-z0-9_]*|¥?\d[\d,_]*(?:\.\d+)?/,
  });
  monaco.languages.setTokensProvider(LANGUAGE, {
    getInitialState: () => STATE,
    tokenize(line) {
      // The compiler's own lexer; comments come in their group and are coloured too.
      const r = tokenize(line);
      const all = [...r.tokens, ...(r.groups['comments'] ?? [])].sort((a, b) => a.startOffset - b.startOffset);
      const tokens: monaco.languages.IToken[] = [];
      let pos = 0;
      for (const t of all) {
        if (t.startOffset > pos) tokens.push({ startIndex: pos, scopes: '' });
        tokens.push({ startIndex: t.startOffset, scopes: `${tokenClass(t.tokenType, t.image)}.zy` });
        pos = t.startOffset + t.image.length;
      }
      for (const e of r.errors) tokens.push({ startIndex: e.offset, scopes: 'invalid.zy' });
      tokens.sort((a, b) => a.startIndex - b.startIndex);
      return { tokens, endState: STATE };
    },
  });
  monaco.editor.defineTheme('zhiyu', {
    // Code lenses and line numbers dark enough to read (WCAG AA contrast).
    base: 'vs', inherit: true, colors: { 'editorCodeLens.foreground': '#4b5563', 'editorLineNumber.foreground': '#4b5563' },
    rules: [
      { token: 'keyword', foreground: '6d28d9', fontStyle: 'bold' },
      { token: 'constant', foreground: '0f766e' },
      { token: 'number.money', foreground: '9a3412' },
      { token: 'number.duration', foreground: '075985' },
      { token: 'number.timestamp', foreground: '075985' },
      { token: 'type.identifier', foreground: '9f1239' },
      { token: 'comment', foreground: '4b5563', fontStyle: 'italic' },
      { token: 'invalid', foreground: 'b91c1c', fontStyle: 'underline' },
    ],
  });

  monaco.languages.registerCompletionItemProvider(LANGUAGE, {
    triggerCharacters: ['.', ' ', '(', ',', '"', '{'],
    async provideCompletionItems(model, position, context) {
      const explicit = context.triggerKind === monaco.languages.CompletionTriggerKind.Invoke;
      const r = await host.ask('complete', { ...at(model, position), explicit });
      const start = model.getPositionAt(r.from);
      const replace = new monaco.Range(start.lineNumber, start.column, position.lineNumber, position.column);
      return {
        suggestions: r.items.map((c, i) => ({
          label: c.label, kind: KINDS[c.kind], insertText: c.insertText ?? c.label, range: replace,
          sortText: String(i).padStart(5, '0'),
          ...(c.insertText?.endsWith('(') ? { command: { id: 'editor.action.triggerParameterHints', title: '' } } : {}),
          ...(c.detail ? { detail: c.detail } : {}),
          ...(c.doc ? { documentation: { value: c.doc } } : {}),
        })),
      };
    },
  });
  monaco.languages.registerSignatureHelpProvider(LANGUAGE, {
    signatureHelpTriggerCharacters: ['(', ','],
    signatureHelpRetriggerCharacters: [' '],
    async provideSignatureHelp(model, position) {
      const s = await host.ask('signature', at(model, position));
      if (!s) return null;
      return {
        value: {
          signatures: [{ label: s.label, documentation: { value: s.doc }, parameters: s.params.map((p) => ({ label: [p.at[0], p.at[1]] as [number, number], documentation: { value: p.doc } })) }],
          activeSignature: 0, activeParameter: s.active,
        },
        dispose() {},
      };
    },
  });
  monaco.languages.registerHoverProvider(LANGUAGE, {
    async provideHover(model, position) {
      const h = await host.ask('hover', at(model, position));
      if (!h) return null;
      return { range: range({ path: host.pathOf(model), start: h.start, end: h.end })!, contents: [{ value: h.doc }] };
    },
  });
  monaco.languages.registerDefinitionProvider(LANGUAGE, {
    async provideDefinition(model, position) {
      const d = await host.ask('definition', at(model, position));
      return d ? location(d) ?? null : null;
    },
  });
  monaco.languages.registerReferenceProvider(LANGUAGE, {
    async provideReferences(model, position, context) {
      const refs = await host.ask('references', at(model, position));
      return (context.includeDeclaration ? refs : refs.slice(1)).map(location).filter((l): l is monaco.languages.Location => !!l);
    },
  });
  monaco.languages.registerRenameProvider(LANGUAGE, {
    async resolveRenameLocation(model, position) {
      const r = await host.ask('prepareRename', at(model, position));
      if ('error' in r) return { rejectReason: r.error, range: new monaco.Range(position.lineNumber, position.column, position.lineNumber, position.column), text: '' };
      return { range: range(r.span)!, text: r.text };
    },
    async provideRenameEdits(model, position, newName) {
      const r = await host.ask('rename', { ...at(model, position), newName });
      if ('error' in r) return { edits: [], rejectReason: r.error };
      return workspaceEdit(r.edits);
    },
  });
  const symbol = (o: WireOutline): monaco.languages.DocumentSymbol => ({
    name: o.name, detail: o.detail, kind: SYMBOL_KINDS[o.kind] ?? monaco.languages.SymbolKind.Variable, tags: [],
    range: range(o.span)!, selectionRange: range(o.nameSpan)!, children: o.children.map(symbol),
  });
  monaco.languages.registerDocumentSymbolProvider(LANGUAGE, {
    displayName: 'zhiyu',
    async provideDocumentSymbols(model) {
      return (await host.ask('outline', { path: host.pathOf(model) })).map(symbol);
    },
  });
  // Quick fixes come from the markers themselves (their hint), on this thread: a
  // code action is asked for on every cursor move and must never wait for a worker.
  monaco.languages.registerCodeActionProvider(LANGUAGE, {
    provideCodeActions(model, _range, context) {
      const actions = context.markers.flatMap((m) => {
        if (m.source !== 'zhiyu') return [];
        const fix = fixFromHint(model.getValueInRange(m), /\nhint: (.*)$/s.exec(m.message)?.[1]);
        return fix ? [{ title: fix.title, kind: 'quickfix', isPreferred: true, diagnostics: [m], edit: { edits: [{ resource: model.uri, textEdit: { range: monaco.Range.lift(m), text: fix.text }, versionId: model.getVersionId() }] } }] : [];
      });
      return { actions, dispose() {} };
    },
  }, { providedCodeActionKinds: ['quickfix'] });
  monaco.languages.registerDocumentFormattingEditProvider(LANGUAGE, {
    async provideDocumentFormattingEdits(model) {
      const r = await host.ask('format', { path: host.pathOf(model), text: model.getValue() });
      if ('error' in r) { host.formatRefused(host.pathOf(model), r.diagnostics); return []; }
      return [{ range: model.getFullModelRange(), text: r.text }];
    },
  });
  // Definitions, references and renames that lead into another file of the pack open it in this editor.
  monaco.editor.registerEditorOpener({
    openCodeEditor(_source, resource, selection) {
      const path = resource.path.slice(1);
      const m = host.model(path);
      if (!m) return false;
      const pos = selection ? ('startLineNumber' in selection ? { lineNumber: selection.startLineNumber, column: selection.startColumn } : selection) : { lineNumber: 1, column: 1 };
      const end = selection && 'endLineNumber' in selection ? m.getOffsetAt({ lineNumber: selection.endLineNumber, column: selection.endColumn }) : undefined;
      const start = m.getOffsetAt(pos);
      host.reveal(path, start, end ?? start);
      return true;
    },
  });
}
