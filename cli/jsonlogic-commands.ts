// `zhiyu jsonlogic …`: JSON Logic interop. Registered on the main program by
// registerJsonLogic(cli). Exit codes as everywhere: 0 ok, 1 findings (failed
// cases, parts that cannot be converted), 2 usage (unreadable or malformed input).
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { compile, renderDiagnostic, type CompileResult } from '../compiler/index.ts';
import { exportJsonLogic } from '../compiler/jsonlogic/export.ts';
import { importJsonLogic, rulesOfFile, type RuleFile } from '../compiler/jsonlogic/import.ts';
import { compileJsonLogic, JsonLogicError } from '../compiler/jsonlogic/index.ts';
import { readSuite, runSuite, show, type Evaluator } from '../compiler/jsonlogic/suite.ts';
import { codeListing } from '../compiler/escape.ts';
import { readPack } from './pack-files.ts';
import { Exit, EXIT, paint } from './output.ts';

const { red, green, dim } = paint;

function readJsonFile(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    console.error(red(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`));
    throw new Exit(EXIT.USAGE);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    console.error(red(`${path} is not JSON: ${(e as Error).message}`));
    throw new Exit(EXIT.USAGE);
  }
}

function compiledPack(dir: string): CompileResult & Required<Pick<CompileResult, 'checked'>> {
  let r: CompileResult;
  try {
    r = compile(readPack([dir]));
  } catch (e) {
    console.error(red(`cannot read the pack ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`));
    throw new Exit(EXIT.USAGE);
  }
  if (!r.ok || !r.checked) {
    for (const d of r.diagnostics) console.error(`${renderDiagnostic(d, r.files)}\n`);
    console.error(red(`the pack ${dir} does not compile`));
    throw new Exit(EXIT.FINDINGS);
  }
  return r as CompileResult & Required<Pick<CompileResult, 'checked'>>;
}

/** zhiyu's compiled JSON Logic; json-logic-js 2.0.5 only with --reference, to compare. */
async function evaluator(reference: boolean): Promise<Evaluator> {
  if (!reference) return (rule, data) => compileJsonLogic(rule).apply(data);
  const { createRequire } = await import('node:module');
  const jl = createRequire(import.meta.url)('json-logic-js') as { apply(rule: unknown, data: unknown): unknown };
  return (rule, data) => jl.apply(rule, data);
}

export function registerJsonLogic(cli: Command): void {
  const jl = cli.command('jsonlogic')
    .description('JSON Logic interop: run conformance suites, import rules as predicates, export a pack')
    .addHelpText('after', `
Examples:
  zhiyu jsonlogic test ../shared/conformance/jsonlogic/classic/tests.json
  zhiyu jsonlogic import rules.json --pack rules/demo > imported.zy
  zhiyu jsonlogic export rules/demo > demo.jsonlogic.json`);

  jl.command('test')
    .description("run JSON Logic suite files ([rule, data, expected] tuples or {rule, data, result|error} objects); ends with 'N passed, N failed'")
    .argument('<files...>', 'suite files (JSON)')
    .option('--verbose', 'list passing cases too')
    .option('--reference', 'run json-logic-js 2.0.5 instead of zhiyu, for comparison')
    .action(async (files: string[], o: { verbose?: boolean; reference?: boolean }) => {
      const evaluate = await evaluator(!!o.reference);
      let passed = 0;
      let failed = 0;
      for (const file of files) {
        let cases;
        try {
          cases = readSuite(readJsonFile(file));
        } catch (e) {
          if (!(e instanceof JsonLogicError)) throw e;
          console.error(red(`${file}: ${e.message}`));
          throw new Exit(EXIT.USAGE);
        }
        if (files.length > 1) console.log(dim(`${file}: ${cases.length} cases`));
        for (const r of runSuite(cases, evaluate)) {
          const c = r.case;
          const label = `#${c.number}${c.description ? ` ${c.description}` : ''}`;
          if (r.passed) {
            passed++;
            if (o.verbose) console.log(`${green('✓')} ${label}`);
            continue;
          }
          failed++;
          const want = 'error' in c.expect ? `an error (${show(c.expect.error)})` : show(c.expect.result);
          console.log(`${red('✗')} ${label}  ${dim(`(${file} ${c.path})`)}`);
          console.log(`    rule     ${show(c.rule)}`);
          console.log(`    data     ${show(c.data)}`);
          console.log(`    expected ${want}`);
          console.log(`    got      ${r.error !== undefined ? `error: ${r.error}` : show(r.got)}`);
        }
      }
      console.log(`${passed} passed, ${failed} failed`);
      if (failed) throw new Exit(EXIT.FINDINGS);
    });

  jl.command('import')
    .description('translate JSON Logic rules into zhiyu predicates: DSL source on stdout, what cannot be expressed on stderr')
    .argument('<file>', 'a JSON Logic rule, an object of named rules, or an export document')
    .option('--pack <dir>', 'the pack whose schema types the fields (without it, types are inferred and listed)')
    .option('--name <name>', 'predicate name for a file holding a single rule', 'imported')
    .action((file: string, o: { pack?: string; name: string }) => {
      let ruleFile: RuleFile;
      try {
        ruleFile = rulesOfFile(readJsonFile(file), o.name);
      } catch (e) {
        if (!(e instanceof JsonLogicError)) throw e;
        console.error(red(`${file}: ${e.message}`));
        throw new Exit(EXIT.USAGE);
      }
      const schema = o.pack ? compiledPack(o.pack).checked.schema : undefined;
      const rules = ruleFile.rules;
      const r = importJsonLogic(rules, { ...(schema ? { schema } : {}), paths: ruleFile.paths });
      process.stdout.write(r.source);
      for (const p of r.problems) console.error(`${red('✗')} ${p.rule} at ${p.path}: ${p.reason}`);
      const total = Object.keys(rules).length;
      const msg = `${r.predicates.size} of ${total} rule${total === 1 ? '' : 's'} imported${r.problems.length ? `, ${total - r.predicates.size} not: see above` : ''}`;
      console.error(r.problems.length ? red(msg) : green(msg));
      if (r.problems.length) throw new Exit(EXIT.FINDINGS);
    });

  jl.command('export')
    .description("write a pack's rules as JSON Logic: the document on stdout, what cannot be exported on stderr")
    .argument('<pack-dir>', 'the pack directory')
    .action((dir: string) => {
      const r = exportJsonLogic(compiledPack(dir).checked);
      console.log(JSON.stringify(r.document, null, 2));
      for (const p of r.problems) console.error(`${red('✗')} ${p.rule}: ${p.part} — ${p.reason}`);
      const total = r.exported.length + new Set(r.problems.map((p) => p.rule)).size;
      const vars = Object.keys(r.document.variables);
      if (vars.length) console.error(dim(`the rules read these precomputed variables besides event and entity fields: ${vars.join(', ')}`));
      const msg = `${r.exported.length} of ${total} rules exported${r.problems.length ? `, ${total - r.exported.length} not: see above` : ''}`;
      console.error(r.problems.length ? red(msg) : green(msg));
      if (r.problems.length) throw new Exit(EXIT.FINDINGS);
    });

  jl.command('dump')
    .description('print the JavaScript zhiyu generates for a JSON Logic rule (or a file of named rules, compiled together)')
    .argument('<file>', 'a JSON Logic rule or an object of named rules')
    .action(async (file: string) => {
      const { compileJsonLogicPack } = await import('../compiler/jsonlogic/index.ts');
      const json = readJsonFile(file);
      let code;
      try {
        const { rules, paths } = rulesOfFile(json, 'rule');
        code = paths['rule'] === '$' ? compileJsonLogic(json).code : compileJsonLogicPack(rules).code;
      } catch (e) {
        if (!(e instanceof JsonLogicError)) throw e;
        console.error(red(`${file}: ${e.message}`));
        throw new Exit(EXIT.FINDINGS);
      }
      console.log(codeListing(code, show));
    });
}
