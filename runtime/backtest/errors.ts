// Errors from a backtest carry stable codes. They sit in the store's ZY7xxx
// range, in a block of their own (ZY75xx): a backtest is a read of the store.
// Errors opening the store itself keep their ZY70xx codes (StoreError), and a
// damaged bundle its ZY8xxx code (BundleError).
export type BacktestCode =
  | 'ZY7501' // the pack or bundle to backtest cannot be found or read
  | 'ZY7502' // the time range is not valid (a bad date, or from after to)
  | 'ZY7503' // an option is not valid (workers, examples)
  | 'ZY7504' // a worker thread failed
  | 'ZY7505'; // cancelled by the caller

export class BacktestError extends Error {
  constructor(readonly code: BacktestCode, message: string) {
    super(message);
    this.name = 'BacktestError';
  }
}
