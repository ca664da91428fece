import { runPluginMain } from '../../pkg/exec-host.js';
import { ptp } from './index.js';

await runPluginMain(ptp, 'ptp');
