import { Delegator, ExecInvoker, NodeFiles, nodeProcessIo, randomVethName, runPlugin, type CniPlugin, type PluginHost } from '../../src/cni/index.js';
import { LinuxKernel, NodeCommandRunner } from '../../src/kernel/index.js';
import { pluginInfo } from './common.js';

/** The executable's world: the real kernel through iproute2/iptables, delegates found on CNI_PATH, real files. */
export function execHost(): PluginHost {
  return {
    kernel: new LinuxKernel(new NodeCommandRunner()),
    delegate: new Delegator(new ExecInvoker()),
    files: new NodeFiles(),
    vethName: () => randomVethName(),
  };
}

/** What every main.ts calls: the skel over this process's env/stdin/stdout, exit status through process.exitCode. */
export async function runPluginMain(plugin: CniPlugin<PluginHost>, name: string): Promise<void> {
  await runPlugin(plugin, pluginInfo(name), nodeProcessIo(execHost()));
}
