// Monaco's editor features (hover, suggest, find, format …) without its
// bundled languages, and its editor worker served by this project.
import 'monaco-editor/features/register.all.js';

(self as unknown as { MonacoEnvironment: unknown }).MonacoEnvironment = {
  getWorker: () => new Worker(new URL('./editor.worker.js', import.meta.url), { type: 'module' }),
};
