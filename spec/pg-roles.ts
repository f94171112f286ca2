// docs/postgres.md's least-privilege roles ("Roles: least privilege"), as
// the tests create them: the statements that page gives, with role names
// of the test's own (roles belong to the whole server, so a random suffix
// keeps one file's apart from another's), and a helper to run SQL.
import pg from 'pg';

export interface DocsRoles {
  readonly owner: string;
  readonly service: string;
  readonly analyst: string;
}

/** Roles named zy_owner_<tag>, zy_service_<tag>, zy_analyst_<tag>. */
export function docsRoles(): DocsRoles {
  const tag = Math.random().toString(36).slice(2, 8);
  return { owner: `zy_owner_${tag}`, service: `zy_service_${tag}`, analyst: `zy_analyst_${tag}` };
}

/** What a database administrator runs before the owner sets the store up (password 'pw'). */
export const beforeSeed = (r: DocsRoles): string[] => [
  ...Object.values(r).map((x) => `CREATE ROLE ${x} LOGIN PASSWORD 'pw'`),
  `CREATE SCHEMA zhiyu AUTHORIZATION ${r.owner}`,
  ...Object.values(r).map((x) => `ALTER ROLE ${x} SET search_path = zhiyu`),
  `GRANT USAGE ON SCHEMA zhiyu TO ${r.service}, ${r.analyst}`,
  `ALTER DEFAULT PRIVILEGES FOR ROLE ${r.owner} IN SCHEMA zhiyu GRANT SELECT ON TABLES TO ${r.service}, ${r.analyst}`,
];

/** What the owner runs once after the first `db seed` / `db import`. */
export const afterSeed = (r: DocsRoles): string[] => [
  `GRANT SELECT ON ALL TABLES IN SCHEMA zhiyu TO ${r.service}, ${r.analyst}`,
  `GRANT INSERT ON zy_decisions, zy_bundles, zy_audit TO ${r.service}`,
];

/** Runs the statements in order on one connection of their own; their results. */
export async function sql(url: string, ...statements: string[]): Promise<pg.QueryResult[]> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    const out: pg.QueryResult[] = [];
    for (const s of statements) out.push(await c.query(s));
    return out;
  } finally { await c.end(); }
}
