import { runPluginMain } from '../../pkg/exec-host.js';
import { loopback } from './index.js';

await runPluginMain(loopback, 'loopback');
