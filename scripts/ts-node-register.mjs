// Registers ts-node's ESM loader relative to this file, not the cwd, so that CNI runtimes can
// start our plugins from any directory.
import { register } from 'node:module';
register('ts-node/esm', new URL('../', import.meta.url));
