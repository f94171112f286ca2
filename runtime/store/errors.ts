// Errors from the store carry stable codes like the compiler's diagnostics.
export type StoreCode =
  | 'ZY7001' // database file missing
  | 'ZY7002' // database cannot be written
  | 'ZY7003' // database from a newer zhiyu
  | 'ZY7004' // migration refused: it would change or drop data
  | 'ZY7005' // import: a row is invalid
  | 'ZY7006' // import: the file cannot be read
  | 'ZY7007' // not a zhiyu database, or damaged
  | 'ZY7008' // decision log: record not found
  | 'ZY7009'; // database from an older zhiyu that cannot be upgraded (read-only)

export class StoreError extends Error {
  constructor(readonly code: StoreCode, message: string, readonly detail?: { file?: string; line?: number; field?: string }) {
    super(message);
    this.name = 'StoreError';
  }
}
