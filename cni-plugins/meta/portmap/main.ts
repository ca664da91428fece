import { runPluginMain } from '../../pkg/exec-host.js';
import { portmap } from './index.js';

await runPluginMain(portmap, 'portmap');
