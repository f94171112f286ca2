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
  | 'ZY7009' // database from an older zhiyu that cannot be upgraded (read-only)
  | 'ZY7010' // the database server cannot be reached or is going away (the service answers 503)
  | 'ZY7011' // the database is not one zhiyu can use (a PostgreSQL URL it cannot log in to, a server too old)
  | 'ZY7012'; // a warning: the store lacks covering indexes its packs' windows need, and this role may not create them (reads are slower)

export class StoreError extends Error {
  constructor(readonly code: StoreCode, message: string, readonly detail?: { file?: string; line?: number; field?: string }) {
    super(message);
    this.name = 'StoreError';
  }
}
