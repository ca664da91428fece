import { runPluginMain } from '../../pkg/exec-host.js';
import { hostLocal } from './index.js';

await runPluginMain(hostLocal, 'host-local');
