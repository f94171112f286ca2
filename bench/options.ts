// Command-line options shared by the benchmarks: `--quick`-style flags and
// positive numeric options (`--events 20000`).
export function parseOptions(argv: readonly string[], die: (message: string) => never) {
  const flag = (name: string): boolean => argv.includes(`--${name}`);
  const option = (name: string, fallback: number): number => {
    const i = argv.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const v = Number(argv[i + 1]);
    if (!Number.isFinite(v) || v <= 0) die(`--${name} needs a positive number`);
    return v;
  };
  return { flag, option };
}

/** What the in-memory evaluation benchmarks (fraud40, JSON Logic) take: data size and timing. */
export interface EvalBenchOptions {
  readonly quick: boolean;
  readonly sparse: boolean;
  readonly events: number;
  readonly seed: number;
  readonly passes: number;
  readonly taskMs: number;
  readonly warmupMs: number;
}

/** The in-memory evaluation benchmarks with the runner's way to abort. */
export interface EvalRunOptions extends EvalBenchOptions {
  readonly die: (msg: string) => never;
}

/** A target a benchmark judges: met or not, and the line that says so. */
export interface Target {
  readonly met: boolean;
  readonly text: string;
}
