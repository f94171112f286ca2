// The fixed schema every generated pack declares, and the value pools that
// generated rules and generated inputs draw from (kept small and overlapping,
// so that equality, membership and `by` keys actually match).
import { parseTimestamp } from '../../compiler/literals.ts';

/** Expression types the generators track. ch/ty/seg are the three enums. */
export type T = 'int' | 'num' | 'money' | 'dur' | 'ts' | 'bool' | 'str' | 'ch' | 'ty' | 'seg';
export type EnumT = 'ch' | 'ty' | 'seg';
export const ENUM_MEMBERS: Record<EnumT, readonly string[]> = {
  ch: ['app', 'web', 'branch', 'atm', 'phone', 'wechat', 'alipay'],
  ty: ['login', 'transfer', 'payment', 'refund'],
  seg: ['gold', 'silver', 'bronze'],
};

const ts = (s: string): number => {
  const r = parseTimestamp(s);
  if (!r.ok) throw new Error(r.message);
  return r.value;
};

/** 2026-03-01 10:00 Asia/Shanghai, a Sunday. */
export const BASE = ts('@2026-03-01T10:00');

export const SCHEMA = `pack gen version "1.0.0"
outcomes block > hold > review > allow

event "generated" {
  type: enum(login, transfer, payment, refund) required "what happened"
  customer_id: string
  device_id: string
  n: integer
  x: number
  amount: money
  flag: bool
  name: string
  channel: enum(app, web, branch, atm, phone, wechat, alipay)
  ts: timestamp
  dur: duration
  tags: set<string>
  codes: set<integer>
}

entity customer by customer_id {
  age: integer
  limit: money
  vip: bool
  segment: enum(gold, silver, bronze)
  joined: timestamp
  rating: number
  nick: string
  labels: set<string>
}

entity device by device_id { rooted: bool, seen_at: timestamp, risk: number, os: string }

entity account by n { balance: money, frozen: bool }

list blocked: string external "an external list of strings"
list watch_n: integer external
`;

/** Event fields by type (rule scope: `event.<name>`; filter scope: bare history fields). */
export const EVENT_FIELDS: Partial<Record<T, readonly string[]>> = {
  int: ['n'], num: ['x'], money: ['amount'], dur: ['dur'], ts: ['ts', 'occurred_at'], bool: ['flag'],
  str: ['name', 'customer_id', 'device_id'], ch: ['channel'], ty: ['type'],
};
export const ENTITY_FIELDS: Partial<Record<T, readonly string[]>> = {
  int: ['customer.age'], num: ['customer.rating', 'device.risk'], money: ['customer.limit', 'account.balance'],
  ts: ['customer.joined', 'device.seen_at'], bool: ['customer.vip', 'device.rooted', 'account.frozen'],
  str: ['customer.nick', 'device.os'], seg: ['customer.segment'],
};
export const SET_STR_FIELDS = ['event.tags', 'customer.labels'];
export const SET_INT_FIELDS = ['event.codes'];

/** `by` keys: string, enum or integer fields of the event. */
export const BY_KEYS = ['customer_id', 'device_id', 'name', 'type', 'channel', 'n'];
export const AGG_FIELDS = {
  sum: ['n', 'x', 'amount', 'dur'],
  avg: ['n', 'x', 'amount', 'dur'],
  minmax: ['n', 'x', 'amount', 'dur', 'ts', 'occurred_at'],
  distinct: ['n', 'x', 'amount', 'dur', 'ts', 'flag', 'name', 'customer_id', 'device_id', 'type', 'channel', 'codes'], // not `tags`: a keyword, so it cannot stand bare
} as const;
/** Result type of sum/avg/min/max over a field. */
export const FIELD_TYPE: Record<string, T> = {
  n: 'int', x: 'num', amount: 'money', dur: 'dur', ts: 'ts', occurred_at: 'ts',
};

// ---------- values that inputs and rules share ----------
export const STRINGS = ['a', 'b', 'abc', 'ABC', '', ' x ', 'c1', 'c2', 'd1', 'mule-7', '中文', 'a"b', "it's", 'tab\t', 'é'];
export const CUSTOMER_KEYS = ['c1', 'c2', 'c3', ''];
export const DEVICE_KEYS = ['d1', 'd2', 'd3'];
export const INTS = [-3, -1, 0, 1, 2, 3, 5, 7, 8, 10, 60, 100];
export const NUMS = [0, 0.5, -1.5, 2.5, 3, 1e3, 1e-3, 0.1, 7];
export const MONEYS = [0, 1, 50, 100, 9999, 10000, 200000, 500000, -100];
export const DURS = [0, 1, 1000, 60_000, 1_800_000, 3_600_000, 86_400_000, -60_000];
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
