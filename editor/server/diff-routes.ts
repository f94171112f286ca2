// The Diff panel's route: the pack as edited against the pack as saved on
// disk, rule by rule and condition by condition (runtime/diff.ts): the same
// change request `zhiyu diff` prints for two bundles.
import { compile, type SourceFile } from '../../compiler/index.ts';
import { HttpError } from '../../runtime/server.ts';
import { diffPacks } from '../../runtime/diff.ts';
import type { ApiOptions } from './api.ts';
import type { Workspace } from './workspace.ts';

export function diffRoutes(workspace: () => Workspace): NonNullable<ApiOptions['more']> {
  return async (route, body) => {
    if (route !== 'POST /api/diff') return undefined;
    const b = await body() as { pack?: unknown; files?: unknown };
    if (typeof b.pack !== 'string' || !Array.isArray(b.files)) throw new HttpError(400, { code: 'ZY4003', message: 'give {pack, files}' });
    const files = b.files as SourceFile[];
    if (!files.every((f) => typeof f?.path === 'string' && typeof f?.text === 'string')) throw new HttpError(400, { code: 'ZY4003', message: 'files should be {path, text}' });
    const edited = compile(files);
    if (!edited.ok || !edited.optimized) throw new HttpError(422, { code: edited.diagnostics[0]?.code ?? 'ZY2000', message: 'the pack as edited has errors; fix them to compare it' });
    const saved = compile(workspace().sources(b.pack));
    if (!saved.ok || !saved.optimized) throw new HttpError(422, { code: saved.diagnostics[0]?.code ?? 'ZY2000', message: 'the pack as saved has errors, so there is nothing to compare with' });
    return diffPacks(saved.optimized, edited.optimized);
  };
}

/** Several route sets tried in turn (the first that answers wins). */
export function chain(...routes: (ApiOptions['more'] | undefined)[]): ApiOptions['more'] {
  const all = routes.filter((r): r is NonNullable<ApiOptions['more']> => !!r);
  return async (route, body, url) => {
    for (const r of all) {
      const out = await r(route, body, url);
      if (out !== undefined) return out;
    }
    return undefined;
  };
}
