// The operators of json-logic-js 2.0.5, and how each evaluates its arguments.
// `eager` operators receive every argument evaluated, left to right, even the
// ones they ignore; `lazy` ones (if, and, or) evaluate as they go; iterators
// evaluate their second argument once per element, with that element as data.

export type OpName =
  | '==' | '===' | '!=' | '!==' | '>' | '>=' | '<' | '<=' | '!!' | '!' | '%' | 'log' | 'in' | 'cat'
  | 'substr' | '+' | '*' | '-' | '/' | 'min' | 'max' | 'merge' | 'var' | 'missing' | 'missing_some'
  | 'if' | 'and' | 'or' | 'filter' | 'map' | 'reduce' | 'all' | 'none' | 'some';

export type Evaluation = 'eager' | 'lazy' | 'iterator';

export interface OperatorInfo {
  readonly op: OpName;
  readonly evaluation: Evaluation;
  /** How many arguments the operator reads; further ones are evaluated and ignored. Infinity: all. */
  readonly reads: number;
}

const info = (op: OpName, evaluation: Evaluation, reads = Infinity): OperatorInfo => ({ op, evaluation, reads });

/** Name as written → operator. `?:` is json-logic-js's alias of `if`. A Map, so `constructor` is not an operator. */
export const OPERATORS: ReadonlyMap<string, OperatorInfo> = new Map([
  ['==', info('==', 'eager', 2)], ['===', info('===', 'eager', 2)], ['!=', info('!=', 'eager', 2)], ['!==', info('!==', 'eager', 2)],
  ['>', info('>', 'eager', 2)], ['>=', info('>=', 'eager', 2)], ['<', info('<', 'eager', 3)], ['<=', info('<=', 'eager', 3)],
  ['!!', info('!!', 'eager', 1)], ['!', info('!', 'eager', 1)], ['%', info('%', 'eager', 2)], ['log', info('log', 'eager', 1)],
  ['in', info('in', 'eager', 2)], ['cat', info('cat', 'eager')], ['substr', info('substr', 'eager', 3)],
  ['+', info('+', 'eager')], ['*', info('*', 'eager')], ['-', info('-', 'eager', 2)], ['/', info('/', 'eager', 2)],
  ['min', info('min', 'eager')], ['max', info('max', 'eager')], ['merge', info('merge', 'eager')],
  ['var', info('var', 'eager', 2)], ['missing', info('missing', 'eager')], ['missing_some', info('missing_some', 'eager', 2)],
  ['if', info('if', 'lazy')], ['?:', info('if', 'lazy')], ['and', info('and', 'lazy')], ['or', info('or', 'lazy')],
  ['filter', info('filter', 'iterator', 2)], ['map', info('map', 'iterator', 2)], ['reduce', info('reduce', 'iterator', 3)],
  ['all', info('all', 'iterator', 2)], ['none', info('none', 'iterator', 2)], ['some', info('some', 'iterator', 2)],
]);

export const OPERATOR_NAMES: readonly string[] = [...OPERATORS.keys()];
