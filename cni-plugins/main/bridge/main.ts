import { runPluginMain } from '../../pkg/exec-host.js';
import { bridge } from './index.js';

await runPluginMain(bridge, 'bridge');
