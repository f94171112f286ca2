// The JSON Logic front end's one public entry: compile and run rules
// (compile.ts), convert them to and from the DSL (import.ts, export.ts), and
// run conformance suites (suite.ts). spec/JSONLOGIC.md is the reference.
export { compileJsonLogic, compileJsonLogicPack, type CompiledJsonLogic, type CompiledJsonLogicPack } from './compile.ts';
export { importJsonLogic, rulesOfFile, type ImportOptions, type ImportProblem, type ImportResult } from './import.ts';
export { exportJsonLogic, type ExportedPack, type ExportProblem, type ExportResult } from './export.ts';
export { readSuite, runSuite, jsonEqual, type CaseResult, type SuiteCase } from './suite.ts';
export { JsonLogicError, JSONLOGIC_CATALOG, type JsonLogicCode } from './errors.ts';
export type { JlNode } from './ast.ts';
export type { ParseLimits } from './parse.ts';
export { truthy } from './semantics.ts';
