// A checked pack as JSON and back, for bundles. Maps become entry lists;
// everything else in the checked pack is plain data already.
import type { CheckedPack, ConstInfo, EntityInfo, FieldInfo, ListInfo, PredicateInfo, Schema } from './ir.ts';

interface EntityJson extends Omit<EntityInfo, 'fields'> { fields: FieldInfo[] }
export interface PackJson extends Omit<CheckedPack, 'schema' | 'lists' | 'consts' | 'predicates'> {
  schema: { event: EntityJson; entities: EntityJson[] };
  lists: ListInfo[];
  consts: ConstInfo[];
  predicates: PredicateInfo[];
}

const entityToJson = (e: EntityInfo): EntityJson => ({ ...e, fields: [...e.fields.values()] });
const entityFromJson = (e: EntityJson): EntityInfo => ({ ...e, fields: new Map(e.fields.map((f) => [f.name, f])) });

export function packToJson(p: CheckedPack): PackJson {
  return {
    ...p,
    schema: { event: entityToJson(p.schema.event), entities: [...p.schema.entities.values()].map(entityToJson) },
    lists: [...p.lists.values()], consts: [...p.consts.values()], predicates: [...p.predicates.values()],
  };
}

export function packFromJson(j: PackJson): CheckedPack {
  const schema: Schema = { event: entityFromJson(j.schema.event), entities: new Map(j.schema.entities.map((e) => [e.name, entityFromJson(e)])) };
  return {
    ...j,
    schema,
    lists: new Map(j.lists.map((l) => [l.name, l])),
    consts: new Map(j.consts.map((c) => [c.name, c])),
    predicates: new Map(j.predicates.map((d) => [d.name, d])),
  };
}
