// Registers ts-node's ESM loader relative to this file, not the cwd, so that CNI runtimes and
// users can start kubewire and our plugins from any directory: ts-node looks for its tsconfig
// from the cwd unless TS_NODE_PROJECT names it.
import { register } from 'node:module';
import { fileURLToPath } from 'node:url';

process.env.TS_NODE_PROJECT ??= fileURLToPath(new URL('../tsconfig.json', import.meta.url));
register('ts-node/esm', new URL('../', import.meta.url));
