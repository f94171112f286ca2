// What both backends keep about the schema: the store's version, what a
// migration reports and takes, and the schema last migrated to as JSON (kept
// in zy_meta so an import can check rows without the pack).
import type { EntityInfo, Schema } from '../../compiler/ir.ts';

export const STORE_VERSION = 3;

export interface MigrationReport {
  readonly created: string[];
  readonly added: string[];
  /** Columns in the database that the pack no longer declares: kept, never dropped. */
  readonly kept: string[];
}

export interface MigrateOptions {
  /**
   * How long the pack keeps history (its `const HISTORY_KEPT`, in ms): entity
   * versions that ended longer ago than this before a newer write are deleted.
   * The longest any pack asks for is kept.
   */
  readonly historyKept?: number;
}

/** The schema last migrated to, kept in the database so imports can check rows without the pack. */
export function schemaToJson(schema: Schema): string {
  const ent = (e: EntityInfo) => ({ ...e, fields: [...e.fields.values()] });
  return JSON.stringify({ event: ent(schema.event), entities: [...schema.entities.values()].map(ent) });
}

/** The schema kept by schemaToJson. */
export function schemaFromJson(text: string): Schema {
  type J = Omit<EntityInfo, 'fields'> & { fields: EntityInfo['fields'] extends ReadonlyMap<string, infer F> ? F[] : never };
  const j = JSON.parse(text) as { event: J; entities: J[] };
  const ent = (e: J): EntityInfo => ({ ...e, fields: new Map(e.fields.map((f) => [f.name, f])) });
  return { event: ent(j.event), entities: new Map(j.entities.map((e) => [e.name, ent(e)])) };
}
