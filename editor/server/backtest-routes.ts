// The Backtest panel's route; filled in once the backtest library lands.
import type { DB } from '../../runtime/store/schema.ts';
import type { ApiOptions } from './api.ts';

export function backtestRoutes(_store: DB | undefined): { more?: ApiOptions['more'] } {
  return {};
}
