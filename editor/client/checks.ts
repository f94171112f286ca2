// Checking as you type, without ever queueing stale work: at most one check
// is in flight; keystrokes meanwhile only mark the text as changed, and when
// the check returns its result is dropped (it describes text that is gone)
// and one new check of the current text starts. Lint, which takes longer,
// runs in its own worker once typing pauses, and is dropped too if the text
// changed meanwhile.
import type { LanguageWorker, PackFile } from './worker-client.ts';
import type { PackShape, Requests, WireDiagnostic } from './protocol.ts';

type Checked = Requests['analyze']['res'];

export interface CheckHost {
  /** The active pack's files now, or nothing when no pack is open. */
  files(): { pack: string; files: PackFile[] } | undefined;
  checked(r: Checked, pack: string, ms: number): void;
  linted(diagnostics: WireDiagnostic[]): void;
}

/** Counts the browser tests read: how checks were sent, dropped and overlapped. */
export interface CheckStats { requests: number; stale: number; maxInFlight: number; lints: number }

/** Lint (slower, warnings only) waits for a pause in typing. */
const LINT_AFTER_MS = 750;

export class Checks {
  readonly stats: CheckStats = { requests: 0, stale: 0, maxInFlight: 0, lints: 0 };
  private running = false;
  private again = false;
  /** Bumped on every change: a result is applied only if nothing changed since it was asked for. */
  private edits = 0;
  private lintTimer: ReturnType<typeof setTimeout> | undefined;
  last: (PackShape & { pack: string }) | undefined;

  /** A check is running or about to: what the page shows may not be the text's yet. */
  get busy(): boolean { return this.running; }

  constructor(private readonly checker: LanguageWorker, private readonly linter: LanguageWorker, private readonly host: CheckHost) {}

  /** The text changed (or another pack was opened): check again as soon as the worker is free. */
  changed(): void {
    this.edits++;
    clearTimeout(this.lintTimer);
    if (this.running) { this.again = true; return; }
    this.running = true;
    // Keystrokes of one task (a paste, a multi-cursor edit) make one check.
    setTimeout(() => void this.run(), 0);
  }

  private async run(): Promise<void> {
    try {
      do {
        this.again = false;
        const at = this.host.files();
        if (!at) return;
        const asked = this.edits;
        const started = performance.now();
        this.stats.requests++;
        const sync = this.checker.sync(at.files);
        this.stats.maxInFlight = Math.max(this.stats.maxInFlight, this.checker.inFlight + 1);
        const r = await this.checker.call('analyze', { sync });
        if (asked !== this.edits) { this.stats.stale++; continue; }
        this.last = { pack: at.pack, tests: r.tests, rules: r.rules, eventFields: r.eventFields };
        this.host.checked(r, at.pack, performance.now() - started);
        this.scheduleLint(asked);
      } while (this.again);
    } finally {
      this.running = false;
    }
  }

  private scheduleLint(asked: number): void {
    clearTimeout(this.lintTimer);
    this.lintTimer = setTimeout(async () => {
      const at = this.host.files();
      if (!at || asked !== this.edits) return;
      this.stats.lints++;
      const r = await this.linter.call('lint', { sync: this.linter.sync(at.files) });
      if (asked === this.edits) this.host.linted(r.diagnostics);
    }, LINT_AFTER_MS);
  }
}
