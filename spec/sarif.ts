// The constraints of the SARIF 2.1.0 schema on what zhiyu writes, checked by
// hand (no network, no schema validator): required properties, types, enums,
// minimums, and that each result's ruleIndex points at its rule.

export type J = Record<string, unknown>;
const isObj = (v: unknown): v is J => typeof v === 'object' && v !== null && !Array.isArray(v);
const LEVELS = ['none', 'note', 'warning', 'error'];

/**
 * The constraints of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json) on the
 * objects and properties zhiyu writes: required properties, types, enums and
 * minimums. Returns the problems found, as paths.
 */
export function sarifProblems(log: unknown): string[] {
  const p: string[] = [];
  const need = (o: J, key: string, at: string) => { if (!(key in o)) p.push(`${at}.${key} is required`); };
  const str = (v: unknown, at: string) => { if (v !== undefined && typeof v !== 'string') p.push(`${at} must be a string`); };
  const int = (v: unknown, at: string, min: number) => { if (v !== undefined && (!Number.isInteger(v) || (v as number) < min)) p.push(`${at} must be an integer ≥ ${min}, is ${JSON.stringify(v)}`); };
  const oneOf = (v: unknown, allowed: string[], at: string) => { if (v !== undefined && !allowed.includes(v as string)) p.push(`${at} must be one of ${allowed.join(', ')}`); };
  const message = (m: unknown, at: string) => {
    if (!isObj(m)) { p.push(`${at} must be an object`); return; }
    if (!('text' in m) && !('id' in m)) p.push(`${at} needs text or id`);
    str(m['text'], `${at}.text`);
  };
  const uriRef = (v: unknown, at: string) => { str(v, at); if (typeof v === 'string' && /[\s\\]/.test(v)) p.push(`${at} is not a URI reference: ${v}`); };
  if (!isObj(log)) return ['the log must be an object'];
  need(log, 'version', '$');
  need(log, 'runs', '$');
  if (log['version'] !== '2.1.0') p.push('$.version must be "2.1.0"');
  if (log['$schema'] !== undefined && !/^https?:\/\//.test(String(log['$schema']))) p.push('$.$schema must be a URI');
  if (!Array.isArray(log['runs'])) return [...p, '$.runs must be an array'];
  (log['runs'] as unknown[]).forEach((run, ri) => {
    const at = `$.runs[${ri}]`;
    if (!isObj(run)) { p.push(`${at} must be an object`); return; }
    need(run, 'tool', at);
    const tool = run['tool'];
    if (!isObj(tool)) { p.push(`${at}.tool must be an object`); return; }
    need(tool, 'driver', `${at}.tool`);
    const driver = tool['driver'];
    if (!isObj(driver)) { p.push(`${at}.tool.driver must be an object`); return; }
    need(driver, 'name', `${at}.tool.driver`);
    str(driver['name'], `${at}.tool.driver.name`);
    str(driver['version'], `${at}.tool.driver.version`);
    const rules = (driver['rules'] ?? []) as unknown[];
    if (!Array.isArray(rules)) p.push(`${at}.tool.driver.rules must be an array`);
    const ids: string[] = [];
    rules.forEach((r, k) => {
      const rat = `${at}.tool.driver.rules[${k}]`;
      if (!isObj(r)) { p.push(`${rat} must be an object`); return; }
      need(r, 'id', rat);
      str(r['id'], `${rat}.id`);
      ids.push(String(r['id']));
      if (r['shortDescription'] !== undefined) { if (!isObj(r['shortDescription'])) p.push(`${rat}.shortDescription must be an object`); else need(r['shortDescription'], 'text', `${rat}.shortDescription`); }
      if (isObj(r['defaultConfiguration'])) oneOf(r['defaultConfiguration']['level'], LEVELS, `${rat}.defaultConfiguration.level`);
      uriRef(r['helpUri'], `${rat}.helpUri`);
    });
    if (new Set(ids).size !== ids.length) p.push(`${at}.tool.driver.rules has repeated ids`);
    oneOf(run['columnKind'], ['utf16CodeUnits', 'unicodeCodePoints'], `${at}.columnKind`);
    if (run['originalUriBaseIds'] !== undefined) {
      for (const [k, v] of Object.entries(run['originalUriBaseIds'] as J)) {
        if (!isObj(v)) p.push(`${at}.originalUriBaseIds.${k} must be an artifactLocation`);
        else if (typeof v['uri'] !== 'string' || !String(v['uri']).endsWith('/')) p.push(`${at}.originalUriBaseIds.${k}.uri must be a URI ending in /`);
      }
    }
    const results = run['results'];
    if (results !== undefined && !Array.isArray(results)) p.push(`${at}.results must be an array`);
    ((results ?? []) as unknown[]).forEach((res, k) => {
      const rat = `${at}.results[${k}]`;
      if (!isObj(res)) { p.push(`${rat} must be an object`); return; }
      need(res, 'message', rat);
      message(res['message'], `${rat}.message`);
      str(res['ruleId'], `${rat}.ruleId`);
      int(res['ruleIndex'], `${rat}.ruleIndex`, -1);
      if (typeof res['ruleIndex'] === 'number' && ids[res['ruleIndex']] !== res['ruleId']) p.push(`${rat}.ruleIndex does not point at ${String(res['ruleId'])}`);
      oneOf(res['level'], LEVELS, `${rat}.level`);
      ((res['locations'] ?? []) as unknown[]).forEach((loc, li) => {
        const lat = `${rat}.locations[${li}]`;
        if (!isObj(loc)) { p.push(`${lat} must be an object`); return; }
        const phys = loc['physicalLocation'];
        if (phys === undefined) return;
        if (!isObj(phys)) { p.push(`${lat}.physicalLocation must be an object`); return; }
        if (!('artifactLocation' in phys) && !('address' in phys)) p.push(`${lat}.physicalLocation needs artifactLocation or address`);
        const art = phys['artifactLocation'];
        if (isObj(art)) { uriRef(art['uri'], `${lat}.physicalLocation.artifactLocation.uri`); str(art['uriBaseId'], `${lat}.physicalLocation.artifactLocation.uriBaseId`); }
        const reg = phys['region'];
        if (reg !== undefined) {
          if (!isObj(reg)) { p.push(`${lat}.physicalLocation.region must be an object`); return; }
          for (const key of ['startLine', 'startColumn', 'endLine', 'endColumn']) int(reg[key], `${lat}.physicalLocation.region.${key}`, 1);
          const [sl, sc, el, ec] = ['startLine', 'startColumn', 'endLine', 'endColumn'].map((key) => reg[key] as number);
          if (el! < sl! || (el === sl && ec! < sc!)) p.push(`${lat}.physicalLocation.region ends before it starts`);
        }
      });
      if (res['suppressions'] !== undefined) {
        if (!Array.isArray(res['suppressions'])) p.push(`${rat}.suppressions must be an array`);
        else res['suppressions'].forEach((s: unknown, si: number) => {
          if (!isObj(s)) { p.push(`${rat}.suppressions[${si}] must be an object`); return; }
          need(s, 'kind', `${rat}.suppressions[${si}]`);
          oneOf(s['kind'], ['inSource', 'external'], `${rat}.suppressions[${si}].kind`);
          oneOf(s['status'], ['accepted', 'underReview', 'rejected'], `${rat}.suppressions[${si}].status`);
          str(s['justification'], `${rat}.suppressions[${si}].justification`);
        });
      }
    });
  });
  return p;
}

