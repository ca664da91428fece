import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { confListFromJson, Sandbox } from '../../src/cni/index.js';
import { Network } from '../../src/net/index.js';
import { inProcessCni } from '../../cni-plugins/in-process.js';
import { type BenchContext, round } from './figure.js';

const conf = (dataDir: string) => ({
  type: 'bridge', bridge: 'kw-br0', isGateway: true,
  ipam: { type: 'host-local', ranges: [[{ subnet: '10.99.0.0/16' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir },
});

/**
 * CNI ADD+DEL per pod: our bridge+host-local in-process on the virtual kernel, and Debian's bridge+host-local
 * executables in a real namespace pair (root only). Figures, never assertions.
 */
export async function benchCni(ctx: BenchContext): Promise<void> {
  const pods = ctx.quick ? 500 : 5000;
  const network = new Network();
  network.addNetns('node/a', { kind: 'node', node: 'a' }, { sysctl: { ipForward: true } });
  for (let i = 0; i < pods; i++) network.addNetns(`pod/${i}`, { kind: 'pod', node: 'a', pod: String(i) });
  const { runtime } = inProcessCni({ network, host: 'node/a' });
  const list = confListFromJson({ cniVersion: '1.0.0', name: 'kw-bench', plugins: [conf('/var/lib/cni/networks')] });
  const rt = (i: number) => ({ containerId: `c${i}`, netns: `/run/netns/pod/${i}`, ifName: 'eth0' });
  // Warm-up long enough for the JIT to settle (50 pods left the first measured thousands still being optimised).
  for (let i = 0; i < Math.min(1000, pods); i++) { await runtime.addNetworkList(list, rt(i)); await runtime.delNetworkList(list, rt(i)); }
  // CPU time of this process (the machine is shared: wall time would measure the neighbours).
  const c0 = process.cpuUsage();
  for (let i = 0; i < pods; i++) {
    await runtime.addNetworkList(list, rt(i));
    await runtime.delNetworkList(list, rt(i));
  }
  const c = process.cpuUsage(c0);
  const virtualMs = (c.user + c.system) / 1000 / pods;
  ctx.report({ name: 'cni.add-del.virtual', value: round(1000 / virtualMs), unit: 'pods/s (CPU)' });
  ctx.report({ name: 'cni.add-del.virtual.per-pod', value: round(virtualMs * 1000, 1), unit: 'µs/pod (CPU)' });

  if (process.getuid?.() !== 0 || !existsSync('/usr/lib/cni/bridge')) {
    process.stdout.write(`cni.add-del.debian-bridge: skipped (${process.getuid?.() !== 0 ? 'needs root for real namespaces' : '/usr/lib/cni/bridge is not installed'})\n`);
    return;
  }
  const n = ctx.quick ? 10 : 30;
  const sb = new Sandbox();
  try {
    await sb.open();
    const input = JSON.stringify({ cniVersion: '1.0.0', name: 'kw-bench', ...conf(sb.dataDir) });
    const env = (cmd: string, i: number) => ({ CNI_COMMAND: cmd, CNI_CONTAINERID: `c${i}`, CNI_NETNS: sb.contPath, CNI_IFNAME: 'eth0', CNI_ARGS: '', CNI_PATH: '/usr/lib/cni' });
    let ms = 0;
    let cpuTicks = 0;
    for (let i = -1; i < n; i++) {
      const t1 = performance.now();
      const k1 = childTicks();
      const add = await sb.run('/usr/lib/cni/bridge', env('ADD', i), input);
      const del = await sb.run('/usr/lib/cni/bridge', env('DEL', i), input);
      if (add.exitCode !== 0 || del.exitCode !== 0) throw new Error(`Debian bridge failed: ${add.stdout}${del.stdout}`);
      if (i >= 0) { ms += performance.now() - t1; cpuTicks += childTicks() - k1; } // the first pair creates the bridge: not counted
    }
    const realMs = ms / n;
    // CPU of the reaped `ip netns exec` + plugin processes (clock ticks, 10 ms each: a coarse figure).
    const realCpuMs = (cpuTicks * 10) / n;
    ctx.report({ name: 'cni.add-del.debian-bridge', value: round(realMs, 1), unit: 'ms/pod (wall)' });
    ctx.report({ name: 'cni.add-del.debian-bridge.cpu', value: round(realCpuMs, 1), unit: 'ms/pod (CPU of its processes)' });
    ctx.report({ name: 'cni.add-del.ratio', value: round(realMs / virtualMs), unit: 'x (Debian wall / virtual CPU)' });
    ctx.report({ name: 'cni.add-del.ratio.cpu', value: round(realCpuMs / virtualMs), unit: 'x (Debian CPU / virtual CPU)' });
  } finally {
    await sb.close();
  }
}

/** cutime + cstime of this process (children waited for), from /proc/self/stat, in clock ticks. */
function childTicks(): number {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(f[13] ?? 0) + Number(f[14] ?? 0);
}
