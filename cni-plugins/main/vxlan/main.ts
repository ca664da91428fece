import { runPluginMain } from '../../pkg/exec-host.js';
import { vxlan } from './index.js';

await runPluginMain(vxlan, 'vxlan');
