import { build } from 'esbuild';
const r = await build({ entryPoints: { main: process.argv[2] }, bundle: true, format: 'esm', platform: 'browser', target: 'es2022', minify: true, write: false, outdir: '/tmp/p19/out', loader: { '.ttf': 'file' }, metafile: true, logLevel: 'error' });
for (const o of r.outputFiles) console.log(o.path, (o.contents.length/1024).toFixed(0), 'KiB');
const ins = Object.entries(r.metafile.outputs).find(([k]) => k.endsWith('main.js'))[1].inputs;
const by = {};
for (const [k, v] of Object.entries(ins)) { const m = /monaco-editor\/esm\/vs\/(\w+\/\w+\/\w+)/.exec(k) ?? /(chevrotain|compiler|runtime|editor\/client|lodash|dompurify|marked)/.exec(k); const key = m ? m[1] : k; by[key] = (by[key] ?? 0) + v.bytesInOutput; }
for (const [k, v] of Object.entries(by).sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log((v/1024).toFixed(0).padStart(6), k);
