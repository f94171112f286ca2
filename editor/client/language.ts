// The zhiyu language in Monaco. Highlighting runs the compiler's own lexer
// (its token definitions) on each line; completion, hover, go to definition
// and formatting ask the language worker, which runs the compiler.
import * as monaco from 'monaco-editor/editor/editor.api.js';
import { Lexer, type TokenType } from 'chevrotain';
import { ALL_TOKENS, Keyword } from '../../compiler/lexer.ts';
import type { CompletionKind } from '../../compiler/service/index.ts';
import { LANGUAGE } from './files.ts';
import type { LanguageWorker } from './worker-client.ts';

// The compiler's token definitions, with comments kept as tokens for colouring.
const lexer = new Lexer(ALL_TOKENS, { ensureOptimizations: false, positionTracking: 'onlyOffset', recoveryEnabled: true });

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
};

export function registerLanguage(worker: LanguageWorker, pathOf: (m: monaco.editor.ITextModel) => string, reveal: (path: string, start: number, end: number) => void): void {
  monaco.languages.register({ id: LANGUAGE, extensions: ['.zy'], aliases: ['zhiyu'] });
  monaco.languages.setLanguageConfiguration(LANGUAGE, {
    comments: { lineComment: '#' },
    brackets: [['(', ')'], ['[', ']'], ['{', '}']],
    autoClosingPairs: [{ open: '(', close: ')' }, { open: '[', close: ']' }, { open: '{', close: '}' }, { open: '"', close: '"', notIn: ['string'] }],
    wordPattern: /[A-Za-z_][A-Za-z0-9_]*|¥?\d[\d,_]*(?:\.\d+)?/,
  });
  monaco.languages.setTokensProvider(LANGUAGE, {
    getInitialState: () => STATE,
    tokenize(line) {
      const r = lexer.tokenize(line);
      const all = [...r.tokens, ...(r.groups['comments'] ?? [])].sort((a, b) => a.startOffset - b.startOffset);
      const tokens: monaco.languages.IToken[] = [];
      let at = 0;
      for (const t of all) {
        if (t.startOffset > at) tokens.push({ startIndex: at, scopes: '' });
        tokens.push({ startIndex: t.startOffset, scopes: `${tokenClass(t.tokenType, t.image)}.zy` });
        at = t.startOffset + t.image.length;
      }
      for (const e of r.errors) tokens.push({ startIndex: e.offset, scopes: 'invalid.zy' });
      tokens.sort((a, b) => a.startIndex - b.startIndex);
      return { tokens, endState: STATE };
    },
  });
  monaco.editor.defineTheme('zhiyu', {
    base: 'vs', inherit: true, colors: {},
    rules: [
      { token: 'keyword', foreground: '7c3aed', fontStyle: 'bold' },
      { token: 'constant', foreground: '0f766e' },
      { token: 'number.money', foreground: 'b45309' },
      { token: 'number.duration', foreground: '0369a1' },
      { token: 'number.timestamp', foreground: '0369a1' },
      { token: 'type.identifier', foreground: '9f1239' },
      { token: 'comment', foreground: '6b7280', fontStyle: 'italic' },
      { token: 'invalid', foreground: 'dc2626', fontStyle: 'underline' },
    ],
  });

  monaco.languages.registerCompletionItemProvider(LANGUAGE, {
    triggerCharacters: ['.', ' ', '('],
    async provideCompletionItems(model, position) {
      const offset = model.getOffsetAt(position);
      const r = await worker.call('complete', { path: pathOf(model), offset, text: model.getValue() });
      const start = model.getPositionAt(r.from);
      const range = new monaco.Range(start.lineNumber, start.column, position.lineNumber, position.column);
      return {
        suggestions: r.items.map((c, i) => ({
          label: c.label, kind: KINDS[c.kind], insertText: c.insertText ?? c.label, range,
          sortText: String(i).padStart(5, '0'),
          ...(c.detail ? { detail: c.detail } : {}),
          ...(c.doc ? { documentation: { value: c.doc } } : {}),
        })),
      };
    },
  });
  monaco.languages.registerHoverProvider(LANGUAGE, {
    async provideHover(model, position) {
      const h = await worker.call('hover', { path: pathOf(model), offset: model.getOffsetAt(position) });
      if (!h) return null;
      const a = model.getPositionAt(h.start);
      const b = model.getPositionAt(h.end);
      return { range: new monaco.Range(a.lineNumber, a.column, b.lineNumber, b.column), contents: [{ value: h.doc }] };
    },
  });
  monaco.languages.registerDefinitionProvider(LANGUAGE, {
    async provideDefinition(model, position) {
      const d = await worker.call('definition', { path: pathOf(model), offset: model.getOffsetAt(position) });
      if (!d) return null;
      if (d.path !== pathOf(model)) {
        // Another file of the pack: open it there (Monaco alone cannot open files).
        reveal(d.path, d.start, d.end);
        return null;
      }
      const a = model.getPositionAt(d.start);
      const b = model.getPositionAt(d.end);
      return { uri: model.uri, range: new monaco.Range(a.lineNumber, a.column, b.lineNumber, b.column) };
    },
  });
  monaco.languages.registerDocumentFormattingEditProvider(LANGUAGE, {
    async provideDocumentFormattingEdits(model) {
      const r = await worker.call('format', { text: model.getValue() });
      if ('error' in r) throw new Error(`cannot format while the file has syntax errors:\n${r.error}`);
      return [{ range: model.getFullModelRange(), text: r.text }];
    },
  });
}
