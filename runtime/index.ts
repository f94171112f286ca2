// The runtime's one entry: compile() → load() → decide().
export { Engine, load, type Program } from './engine.ts';
export { interpret, type DecideOptions, type TimeOption, type RuleTrace, type TraceStep, type Traced } from './interpreter.ts';
export { Explainer, explainerFor, formatValue, type Decision, type FiredRule, type Seen } from './decision.ts';
export { Precedence, type FiredIndexes, type OutcomeDecision, type RawDecision } from './outcome.ts';
export { EMPTY_PROVIDER, MemoryProvider, type AggregateQuery, type FeatureProvider, type HistoryEvent } from './provider.ts';
export { aggregateOver, windowStart } from './aggregate.ts';
export { runTest, runTests, providerFor, type TestResult, type Decider } from './testing.ts';
export { InputError } from '../compiler/input.ts';
