// Pack versions, as packs declare them (`pack fraud version "2026.03.0"`):
// dot-separated parts compared left to right, numbers as numbers (so 10 > 9
// and 03 = 3), other parts as text; a part after a hyphen marks a
// pre-release, older than the version without it (1.2.0-rc1 < 1.2.0).
// Calendar versions (2026.03.0) and semantic versions (1.4.2) both order as
// people expect, which is all a service needs to refuse an older bundle.

function parts(v: string): { main: string[]; pre: string[] } {
  const [main = '', ...rest] = v.trim().split('-');
  const pre = rest.join('-');
  return { main: main.split('.'), pre: pre ? pre.split('.') : [] };
}

function comparePart(a: string | undefined, b: string | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  const na = /^\d+$/.test(a), nb = /^\d+$/.test(b);
  if (na && nb) {
    const x = BigInt(a), y = BigInt(b);
    return x === y ? 0 : x < y ? -1 : 1;
  }
  // Numbers before words (semver's rule for pre-release identifiers).
  if (na !== nb) return na ? -1 : 1;
  return a < b ? -1 : 1;
}

/** Negative when a is older than b, 0 when they are the same version, positive when newer. */
export function compareVersions(a: string, b: string): number {
  const x = parts(a), y = parts(b);
  for (let i = 0; i < Math.max(x.main.length, y.main.length); i++) {
    // A missing part is 0: 1.2 and 1.2.0 are the same version.
    const c = comparePart(x.main[i] ?? '0', y.main[i] ?? '0');
    if (c !== 0) return c;
  }
  if (!x.pre.length || !y.pre.length) return x.pre.length ? -1 : y.pre.length ? 1 : 0;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const c = comparePart(x.pre[i], y.pre[i]);
    if (c !== 0) return c;
  }
  return 0;
}
