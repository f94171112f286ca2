// The runtime's one entry: compile() → load() → decide().
export { Engine, load, type Program } from './engine.ts';
export { interpret, type DecideOptions, type RuleTrace, type TraceStep, type Traced } from './interpreter.ts';
export { assemble, formatValue, type Decision, type FiredRule, type Seen } from './decision.ts';
export { EMPTY_PROVIDER, MemoryProvider, type AggregateQuery, type FeatureProvider, type HistoryEvent } from './provider.ts';
export { aggregateOver, windowStart } from './aggregate.ts';
export { runTest, runTests, providerFor, type TestResult, type Decider } from './testing.ts';
export { InputError } from '../compiler/input.ts';
