// Try it: pick an event (a test case, a stored event, or JSON typed by
// hand), decide it on the server against the feature store with the text
// being edited, show the decision and paint the trace over the source.
import * as monaco from 'monaco-editor/editor/editor.api.js';
import { api, ApiError, type TryResult } from './api.ts';
import { clear, el } from './dom.ts';

export interface TryHost {
  /** The active pack's name and its rule sources as edited. */
  sources(): Promise<{ pack: string; files: { path: string; text: string }[] } | undefined>;
  testNames(): readonly string[];
  go(path: string, offset: number): void;
  paint(result: TryResult | undefined, files: { path: string }[]): void;
}

export function mountTry(root: HTMLElement, host: TryHost): { refresh(): void } {
  const source = el('select', { 'data-testid': 'try-source' },
    el('option', { value: 'test' }, 'A test case of the pack'),
    el('option', { value: 'stored' }, 'A stored event (the database)'),
    el('option', { value: 'json' }, 'JSON typed by hand'));
  const picker = el('select', { 'data-testid': 'try-pick' });
  const labelled = el('input', { type: 'checkbox', 'data-testid': 'try-labelled' });
  const json = el('textarea', { class: 'json', spellcheck: 'false', 'data-testid': 'try-json', placeholder: '{ "type": "transfer_out", "occurred_at": "2026-03-01T10:00:00+08:00", … }' });
  const run = el('button', { class: 'primary', 'data-testid': 'try-run' }, 'Run ▶');
  const out = el('div', { class: 'try-out', 'data-testid': 'try-out' });
  let stored: { seq: number; label: string | null; event: Record<string, unknown> }[] = [];

  const fillPicker = async (): Promise<void> => {
    const kind = source.value;
    picker.hidden = kind === 'json';
    labelled.parentElement!.hidden = kind !== 'stored';
    json.hidden = kind === 'test';
    if (kind === 'test') {
      clear(picker, ...host.testNames().map((n) => el('option', { value: n }, n)));
    } else if (kind === 'stored') {
      const s = await host.sources();
      if (!s) return;
      try {
        stored = (await api.events(s.pack, labelled.checked)).events;
        clear(picker, ...stored.map((e, i) => el('option', { value: String(i) },
          `#${e.seq} ${String(e.event['type'] ?? '')} ${String(e.event['occurred_at'] ?? '')}${e.label ? ` [${e.label}]` : ''}`)));
        showStored();
      } catch (e) { clear(out, el('p', { class: 'bad' }, (e as Error).message)); }
    }
  };
  const showStored = (): void => {
    const e = stored[Number(picker.value)];
    if (e) json.value = JSON.stringify(e.event, null, 2);
  };
  source.onchange = () => void fillPicker();
  labelled.onchange = () => void fillPicker();
  picker.onchange = () => { if (source.value === 'stored') showStored(); };

  run.onclick = async () => {
    const s = await host.sources();
    if (!s) return;
    let body: Parameters<typeof api.tryIt>[0];
    if (source.value === 'test') {
      if (!picker.value) { clear(out, el('p', { class: 'bad' }, 'This pack has no tests to try.')); return; }
      body = { files: s.files, test: picker.value };
    } else {
      let event: unknown;
      try { event = JSON.parse(json.value); } catch (e) {
        clear(out, el('p', { class: 'bad', 'data-testid': 'try-error' }, `The event is not valid JSON: ${(e as Error).message}`));
        return;
      }
      const seq = source.value === 'stored' ? stored[Number(picker.value)]?.seq : undefined;
      body = { files: s.files, event, ...(seq !== undefined ? { seq } : {}) };
    }
    run.disabled = true;
    try {
      const r = await api.tryIt(body);
      showDecision(out, r, s.files, host);
      host.paint(r, s.files);
    } catch (e) {
      host.paint(undefined, s.files);
      const detail = e instanceof ApiError && e.body['field'] ? ` (field ${String(e.body['field'])})` : '';
      clear(out, el('p', { class: 'bad', 'data-testid': 'try-error' }, `${e instanceof ApiError ? `${e.code}: ` : ''}${(e as Error).message}${detail}`));
    } finally { run.disabled = false; }
  };

  clear(root,
    el('div', { class: 'try-controls' }, source, picker, el('label', {}, labelled, ' labelled only'), run),
    json, out);
  void fillPicker();
  return { refresh: () => void fillPicker() };
}

function showDecision(out: HTMLElement, r: TryResult, files: { path: string }[], host: TryHost): void {
  const d = r.decision;
  const fired = d.fired.map((f) => el('div', { class: 'fired' },
    el('div', {},
      el('a', { href: '#', class: 'rule-id', 'data-rule': f.id }, f.id),
      f.title ? ` — ${f.title}` : '',
      f.outcome ? el('span', { class: `badge ${f.outcome}` }, f.outcome) : undefined,
      f.score ? el('span', { class: 'score' }, `${f.score > 0 ? '+' : ''}${f.score}`) : undefined,
      f.reason ? el('span', { class: 'reason' }, f.reason) : undefined),
    f.message?.zh ? el('div', { class: 'message' }, f.message.zh) : undefined,
    f.message?.en ? el('div', { class: 'message' }, f.message.en) : undefined,
    f.seen.length ? el('div', { class: 'seen' }, ...f.seen.map((s) => el('span', {}, `${s.feature} = ${s.text ?? String(s.value)}`))) : undefined));
  const notes = (d.notes ?? []).map((n) => el('div', { class: 'fired note' },
    el('div', {}, el('a', { href: '#', class: 'rule-id', 'data-rule': n.id }, n.id), ' did not decide'),
    n.message.zh ? el('div', { class: 'message' }, n.message.zh) : undefined,
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
    el('h4', {}, 'Trace (click a rule to see its conditions in the editor)'),
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

/** Decorations for one model: each condition green or red with the value it saw. */
export function traceDecorations(model: monaco.editor.ITextModel, fileIndex: number, r: TryResult): monaco.editor.IModelDeltaDecoration[] {
  const out: monaco.editor.IModelDeltaDecoration[] = [];
  for (const rule of r.trace) {
    if (!rule.active) continue;
    for (const s of rule.steps) {
      if (s.file !== fileIndex) continue;
      const a = model.getPositionAt(s.start);
      const b = model.getPositionAt(s.end);
      const range = new monaco.Range(a.lineNumber, a.column, b.lineNumber, b.column);
      if (s.truth !== undefined) {
        // Only the outermost boolean of a line gets a colour; inner ones show on hover.
        out.push({ range, options: {
          inlineClassName: s.truth === true ? 'trace-true' : s.truth === false ? 'trace-false' : 'trace-missing',
          hoverMessage: { value: `\`${s.kind}\` was **${s.text}**${rule.fired ? ` — ${rule.id} fired` : ''}` },
        } });
      } else {
        out.push({ range, options: {
          after: { content: ` = ${s.text}`, inlineClassName: 'trace-value' },
          hoverMessage: { value: `saw **${s.text}**` },
        } });
      }
    }
  }
  return out;
}
