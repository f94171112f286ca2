// How the editor's text looks, shared by Monaco's options (main.ts) and the
// plain first paint drawn before Monaco loads (first-paint.ts), so the two
// line up.

// A CJK-capable monospace stack: Chinese in messages and comments lines up and renders.
export const MONO = '"DejaVu Sans Mono", "Noto Sans Mono CJK SC", "Noto Sans Mono", Menlo, Consolas, "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", monospace';
export const FONT_SIZE = 14;
/** Monaco's own line height for 14 px off macOS (1.35 × the size), set so on every system. */
export const LINE_HEIGHT = 19;
export const EDITOR_FONT = `${FONT_SIZE}px ${MONO}`;
