// Try it: pick an event — a test case of the pack, a stored event found by
// number, customer, type and time, or one typed by hand (a form that reads
// money in yuan and times in local time, or raw JSON) — decide it on the
// server against the feature store with the text being edited, show the
// decision with its values typed, and paint the trace over the source.
//
// Run always sends the event of the current choice. While stored events
// are still loading there is nothing to send, and Run says so instead of
// sending an empty or stale text (on a slow machine a quick click used to
// send the JSON box before it was filled).
import * as monaco from 'monaco-editor/editor/editor.api.js';
import { api, ApiError, type StoredEvent, type TryResult } from './api.ts';
import { clear, el, keyboardRows } from './dom.ts';
import { readValue, showValue, ValueError, localTime } from './event-values.ts';
import type { WireField } from './protocol.ts';
import { formatMoney } from '../../compiler/semantics.ts';

export interface TryHost {
  /** The active pack's name and its rule sources as edited. */
  sources(): Promise<{ pack: string; files: { path: string; text: string }[] } | undefined>;
  testNames(): readonly string[];
  /** The event fields of the pack as last checked (for the form). */
  eventFields(): readonly WireField[];
  go(path: string, offset: number): void;
  paint(result: TryResult | undefined, files: { path: string }[]): void;
}

type Source = 'test' | 'stored' | 'form' | 'json';

export interface TryPanel {
  refresh(): void;
  /** Shows a stored event (from the backtest's lists) and decides it. */
  tryStored(seq: number): Promise<void>;
}

export function mountTry(root: HTMLElement, host: TryHost): TryPanel {
  const source = el('select', { 'data-testid': 'try-source', 'aria-label': 'Event to try' },
    el('option', { value: 'test' }, 'A test case of the pack'),
    el('option', { value: 'stored' }, 'A stored event (search the database)'),
    el('option', { value: 'form' }, 'An event typed by hand'),
    el('option', { value: 'json' }, 'JSON typed by hand'));
  const picker = el('select', { 'data-testid': 'try-pick', 'aria-label': 'Test case' });
  const run = el('button', { type: 'button', class: 'primary', 'data-testid': 'try-run' }, 'Run ▶');
  const state = el('span', { class: 'try-state', role: 'status', 'data-testid': 'try-state' });
  const json = el('textarea', { class: 'json', spellcheck: 'false', 'data-testid': 'try-json', 'aria-label': 'Event as JSON', placeholder: '{ "type": "transfer_out", "amount": 2500000, "occurred_at": "2026-03-01T10:00:00+08:00", … }' });
  const form = el('div', { class: 'event-form', 'data-testid': 'try-form' });
  const search = storedSearch(host, (e) => choose(e));
  const out = el('div', { class: 'try-out', 'data-testid': 'try-out', 'aria-live': 'polite' });

  /** The event the form holds (JSON values: money in fen, times as ISO text), and the stored event it came from. */
  let event: Record<string, unknown> = {};
  let storedSeq: number | undefined;
  let loading = false;

  const setLoading = (on: boolean): void => {
    loading = on;
    run.disabled = on;
    clear(state, on ? 'Loading events…' : '');
  };

  const show = (): void => {
    const kind = source.value as Source;
    picker.hidden = kind !== 'test';
    search.root.hidden = kind !== 'stored';
    json.hidden = kind !== 'json';
    form.hidden = kind === 'test' || kind === 'json' || (kind === 'stored' && storedSeq === undefined);
    if (kind === 'test') clear(picker, ...host.testNames().map((n) => el('option', { value: n }, n)));
  };

  const choose = (e: StoredEvent | undefined): void => {
    storedSeq = e?.seq;
    event = e ? { ...e.event } : {};
    drawForm();
    show();
  };

  const drawForm = (): void => {
    const fields = host.eventFields();
    const rows = fields.map((f) => {
      const id = `try-field-${f.name}`;
      const value = showValue(f, event[f.name]);
      let input: HTMLInputElement | HTMLSelectElement;
      if (f.t === 'enum' || f.t === 'bool') {
        const options = f.t === 'bool' ? ['true', 'false'] : f.members ?? [];
        input = el('select', { id }, el('option', { value: '' }, '(missing)'), ...options.map((m) => el('option', { value: m }, m)));
        input.value = value;
      } else {
        input = el('input', { id, type: 'text', spellcheck: 'false', placeholder: placeholderOf(f) });
        input.value = value;
      }
      input.dataset['field'] = f.name;
      input.addEventListener('change', () => {
        try {
          const v = readValue(f, input.value);
          if (v === undefined) delete event[f.name]; else event[f.name] = v;
          input.removeAttribute('aria-invalid');
          if (f.t !== 'enum' && f.t !== 'bool') input.value = showValue(f, v);
        } catch (err) {
          input.setAttribute('aria-invalid', 'true');
          clear(out, el('p', { class: 'bad', 'data-testid': 'try-error' }, (err as Error).message));
        }
      });
      return el('div', { class: 'field-row' },
        el('label', { for: id }, f.name, f.required ? el('span', { class: 'req', title: 'required' }, ' *') : undefined),
        input,
        el('span', { class: 'type' }, f.type, f.description ? ` — ${f.description}` : ''));
    });
    clear(form, storedSeq !== undefined ? el('p', { class: 'stored-note' }, `Stored event #${storedSeq}: decided as of its own time (only what was stored before it is history). Edit any value to try a variant.`) : undefined, ...rows);
  };

  /** The event of the current choice, or a message saying why there is none. */
  const current = (): { body: Omit<Parameters<typeof api.tryIt>[0], 'files'> } | { error: string } => {
    const kind = source.value as Source;
    if (kind === 'test') return picker.value ? { body: { test: picker.value } } : { error: 'This pack has no tests to try.' };
    if (loading) return { error: 'The stored events are still loading.' };
    if (kind === 'json') {
      try { return { body: { event: JSON.parse(json.value) } }; } catch (e) { return { error: `The event is not valid JSON: ${(e as Error).message}` }; }
    }
    if (kind === 'stored' && storedSeq === undefined) return { error: 'Pick a stored event first: search, then choose one from the list.' };
    // Any entry not yet read (typed, then Run without leaving the field) is read now.
    for (const input of Array.from(form.querySelectorAll<HTMLInputElement | HTMLSelectElement>('[data-field]'))) {
      const f = host.eventFields().find((x) => x.name === input.dataset['field']);
      if (!f) continue;
      try {
        const v = readValue(f, input.value);
        if (v === undefined) delete event[f.name]; else event[f.name] = v;
      } catch (err) { return { error: (err as ValueError).message }; }
    }
    return { body: { event, ...(kind === 'stored' && storedSeq !== undefined ? { seq: storedSeq } : {}) } };
  };

  source.onchange = () => {
    const kind = source.value as Source;
    // The JSON box and the form hold the same hand-typed event.
    if (kind === 'json') json.value = JSON.stringify(event, null, 2);
    if (kind === 'form') { storedSeq = undefined; drawForm(); }
    // The database may have grown since: the list is fetched again each time.
    if (kind === 'stored') void load();
    show();
  };
  json.addEventListener('change', () => {
    try { const v = JSON.parse(json.value); if (v && typeof v === 'object' && !Array.isArray(v)) event = v as Record<string, unknown>; } catch { /* Run says why */ }
  });

  const load = async (): Promise<void> => {
    setLoading(true);
    try { await search.search(); } finally { setLoading(false); }
  };
  search.onSearch = load;

  run.onclick = async () => {
    const s = await host.sources();
    if (!s) return;
    const c = current();
    if ('error' in c) { clear(out, el('p', { class: 'bad', 'data-testid': 'try-error' }, c.error)); return; }
    run.disabled = true;
    clear(state, 'Deciding…');
    try {
      const r = await api.tryIt({ files: s.files, ...c.body });
      showDecision(out, r, s.files, host);
      host.paint(r, s.files);
    } catch (e) {
      host.paint(undefined, s.files);
      const detail = e instanceof ApiError && e.body['field'] ? ` (field ${String(e.body['field'])})` : '';
      clear(out, el('p', { class: 'bad', 'data-testid': 'try-error' }, `${e instanceof ApiError ? `${e.code}: ` : ''}${(e as Error).message}${detail}`));
    } finally {
      run.disabled = loading;
      clear(state);
    }
  };

  clear(root,
    el('div', { class: 'try-controls' }, source, picker, run, state),
    search.root, json, form, out);
  show();
  return {
    refresh: () => { if (source.value === 'stored') void load(); show(); drawForm(); },
    async tryStored(seq) {
      source.value = 'stored';
      search.byNumber(seq);
      show();
      await load();
      choose(search.results.find((e) => e.seq === seq));
      run.click();
    },
  };
}

function placeholderOf(f: WireField): string {
  switch (f.t) {
    case 'money': return '¥25,000 or 25000.00 (yuan)';
    case 'timestamp': return '2026-03-01 10:00 (Asia/Shanghai)';
    case 'duration': return '30m, 24h, 7d';
    case 'set': return 'a, b, c';
    default: return '';
  }
}

/** The stored-event search: number, customer, type, time range, labelled; results newest first, a page at a time. */
function storedSearch(host: TryHost, pick: (e: StoredEvent | undefined) => void) {
  const seq = el('input', { type: 'text', 'aria-label': 'Event number', placeholder: '#1234', class: 'narrow', 'data-testid': 'search-seq' });
  const customer = el('input', { type: 'text', 'aria-label': 'Customer', placeholder: 'customer id', 'data-testid': 'search-customer' });
  const type = el('select', { 'aria-label': 'Event type', 'data-testid': 'search-type' });
  const from = el('input', { type: 'text', 'aria-label': 'From (local time)', placeholder: 'from 2026-03-01 00:00', 'data-testid': 'search-from' });
  const to = el('input', { type: 'text', 'aria-label': 'Before (local time)', placeholder: 'before 2026-03-02', 'data-testid': 'search-to' });
  const labelled = el('input', { type: 'checkbox', 'data-testid': 'try-labelled' });
  const go = el('button', { type: 'button', 'data-testid': 'search-go' }, 'Search');
  const list = el('div', { class: 'event-list', 'data-testid': 'try-events' });
  const more = el('button', { type: 'button', class: 'more', hidden: '' }, 'More…');
  const note = el('span', { class: 'empty' });
  const self = {
    root: el('div', { class: 'stored-search' },
      el('div', { class: 'search-row' }, seq, customer, type, from, to, el('label', {}, labelled, ' labelled only'), go, note),
      list, more),
    results: [] as StoredEvent[],
    onSearch: async (): Promise<void> => undefined,
    byNumber(n: number) { for (const i of [customer, from, to]) i.value = ''; type.value = ''; labelled.checked = false; seq.value = `#${n}`; },
    async search(append = false): Promise<void> {
      const s = await host.sources();
      if (!s) return;
      const fields = host.eventFields();
      const types = fields.find((f) => f.name === 'type')?.members ?? [];
      if (type.options.length !== types.length + 1) {
        const was = type.value;
        clear(type, el('option', { value: '' }, 'any type'), ...types.map((t) => el('option', { value: t }, t)));
        type.value = was;
      }
      const params = new URLSearchParams({ pack: s.pack, limit: '50' });
      const add = (k: string, v: string) => { if (v.trim()) params.set(k, v.trim()); };
      add('seq', seq.value); add('customer', customer.value); add('type', type.value); add('from', from.value); add('to', to.value);
      if (labelled.checked) params.set('labelled', '1');
      if (append && self.results.length) params.set('before', String(self.results[self.results.length - 1]!.seq));
      try {
        const r = await api.events(params);
        self.results = append ? [...self.results, ...r.events] : r.events;
        more.hidden = !r.more;
        clear(note, `${self.results.length.toLocaleString()}${r.more ? '+' : ''} found in ${Math.round(r.ms)} ms`);
        drawList(fields);
        if (!append) pick(self.results[0]);
      } catch (e) {
        clear(note, el('span', { class: 'bad' }, e instanceof ApiError ? `${e.code}: ${e.message}` : (e as Error).message));
        self.results = [];
        drawList(fields);
        pick(undefined);
      }
    },
  };
  const drawList = (fields: readonly WireField[]): void => {
    const money = fields.find((f) => f.t === 'money' && f.name === 'amount') ?? fields.find((f) => f.t === 'money');
    const key = fields.find((f) => f.name === 'customer_id');
    const rows = self.results.map((e) => {
      const when = typeof e.event['occurred_at'] === 'string' ? localTime(Date.parse(e.event['occurred_at'] as string)) : '';
      const row = el('div', { class: 'event-row', 'data-seq': String(e.seq) },
        el('span', { class: 'seq' }, `#${e.seq}`),
        el('span', {}, when),
        el('span', {}, String(e.event['type'] ?? '')),
        el('span', {}, key ? String(e.event[key.name] ?? '') : ''),
        el('span', { class: 'n' }, money && typeof e.event[money.name] === 'number' ? formatMoney(e.event[money.name] as number) : ''),
        e.label ? el('span', { class: `badge ${e.label}` }, e.label) : el('span', {}));
      row.onclick = () => {
        for (const r of Array.from(list.querySelectorAll('.event-row.selected'))) r.classList.remove('selected');
        row.classList.add('selected');
        pick(e);
      };
      return row;
    });
    clear(list, ...rows);
    rows[0]?.classList.add('selected');
    keyboardRows(list, rows, 'Stored events');
  };
  for (const i of [seq, customer, from, to]) i.addEventListener('keydown', (e) => { if (e.key === 'Enter') void self.onSearch(); });
  go.onclick = () => void self.onSearch();
  type.onchange = () => void self.onSearch();
  labelled.onchange = () => void self.onSearch();
  more.onclick = () => void self.search(true);
  return self;
}

/** The decision: outcome, fired rules with their reasons, messages and the values they saw (typed), and the trace. */
function showDecision(out: HTMLElement, r: TryResult, files: { path: string; text: string }[], host: TryHost): void {
  const d = r.decision;
  const fired = d.fired.map((f) => el('div', { class: 'fired' },
    el('div', {},
      el('a', { href: '#', class: 'rule-id', 'data-rule': f.id }, f.id),
      f.title ? ` — ${f.title}` : '',
      f.outcome ? el('span', { class: `badge ${f.outcome}` }, f.outcome) : undefined,
      f.score ? el('span', { class: 'score' }, `${f.score > 0 ? '+' : ''}${f.score}`) : undefined,
      f.reason ? el('span', { class: 'reason' }, f.reason) : undefined),
    f.message?.zh ? el('div', { class: 'message', lang: 'zh' }, f.message.zh) : undefined,
    f.message?.en ? el('div', { class: 'message' }, f.message.en) : undefined,
    f.seen.length ? el('div', { class: 'seen' }, ...f.seen.map((s) => el('span', {}, `${s.feature} = ${s.text ?? String(s.value)}`))) : undefined));
  const notes = (d.notes ?? []).map((n) => el('div', { class: 'fired note' },
    el('div', {}, el('a', { href: '#', class: 'rule-id', 'data-rule': n.id }, n.id), ' did not decide'),
    n.message.zh ? el('div', { class: 'message', lang: 'zh' }, n.message.zh) : undefined,
    n.message.en ? el('div', { class: 'message' }, n.message.en) : undefined));
  const trace = r.trace.map((t) => {
    const a = el('a', { href: '#', class: `trace-rule ${t.fired ? 'yes' : t.active ? 'no' : 'off'}`, 'data-rule': t.id },
      `${t.fired ? '●' : t.active ? '○' : '–'} ${t.id}${t.active ? (t.value === null ? ' (missing)' : '') : ' (inactive)'}`);
    const step = t.steps[0];
    a.onclick = (e) => { e.preventDefault(); if (step) host.go(files[step.file]!.path, step.start); };
    return a;
  });
  clear(out,
    el('div', { class: 'verdict' }, 'Outcome ', el('span', { class: `badge big ${d.outcome}`, 'data-testid': 'try-outcome' }, d.outcome), ` · score ${d.score}`),
    d.fired.length ? el('h4', {}, 'Fired rules') : el('p', {}, 'No rule fired.'),
    ...fired,
    ...(notes.length ? [el('h4', {}, 'Notes'), ...notes] : []),
    el('h4', {}, 'Trace (click a rule to see its conditions in the editor; hover a condition there for what it saw)'),
    el('div', { class: 'trace' }, ...trace));
  out.querySelectorAll<HTMLElement>('.fired .rule-id').forEach((a) => {
    a.onclick = (e) => {
      e.preventDefault();
      const t = r.trace.find((x) => x.id === a.dataset['rule']);
      const s = t?.steps[0];
      if (s) host.go(files[s.file]!.path, s.start);
    };
  });
}

const TRUTH: Record<string, string> = {
  true: 'held', false: 'did not hold', null: 'could not be decided: a value it needs is missing, so it counts as not holding',
};

/** Decorations for one model: each condition green or red, with what it saw in the analyst's words on hover. */
export function traceDecorations(model: monaco.editor.ITextModel, fileIndex: number, r: TryResult): monaco.editor.IModelDeltaDecoration[] {
  const out: monaco.editor.IModelDeltaDecoration[] = [];
  const text = model.getValue();
  const source = (s: { start: number; end: number }) => text.slice(s.start, s.end).replace(/\s+/g, ' ');
  const clip = (s: string) => (s.length > 80 ? `${s.slice(0, 77)}…` : s);
  for (const rule of r.trace) {
    if (!rule.active) continue;
    const steps = rule.steps.filter((s) => s.file === fileIndex);
    for (const s of steps) {
      const a = model.getPositionAt(s.start);
      const b = model.getPositionAt(s.end);
      const range = new monaco.Range(a.lineNumber, a.column, b.lineNumber, b.column);
      if (s.truth !== undefined) {
        // What the condition read, inside its span: the features and aggregates with their values.
        const inner = steps.filter((x) => x.truth === undefined && x.start >= s.start && x.end <= s.end).map((x) => `- \`${clip(source(x))}\` was **${x.text}**`);
        const verdict = rule.fired ? `${rule.id} fired.` : `${rule.id} did not fire.`;
        out.push({ range, options: {
          inlineClassName: s.truth === true ? 'trace-true' : s.truth === false ? 'trace-false' : 'trace-missing',
          hoverMessage: { value: `\`${clip(source(s))}\` ${TRUTH[String(s.truth)]} for this event.${inner.length ? `\n\n${inner.join('\n')}` : ''}\n\n${verdict}` },
        } });
      } else {
        out.push({ range, options: {
          after: { content: ` = ${s.text}`, inlineClassName: 'trace-value' },
          hoverMessage: { value: `\`${clip(source(s))}\` was **${s.text}** for this event` },
        } });
      }
    }
  }
  return out;
}
