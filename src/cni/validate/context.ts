import { basename } from 'node:path';
import { convertResult } from '../spec/convert.js';
import { isSpecVersion } from '../spec/versions.js';
import type { CniResult, Result100 } from '../spec/result-types.js';
import type { Sandbox } from './sandbox.js';
import type { Findings, Run } from './types.js';

type Obj = Record<string, unknown>;

/** Everything a check group needs: the plugin, the sandbox, the config under test and helpers to run it. */
export interface Ctx {
  readonly plugin: string;
  readonly sb: Sandbox;
  readonly f: Findings;
  /** The plugin object under test (name and cniVersion are set per request). */
  readonly conf: Obj;
  readonly name: string;
  readonly cniPath: string;
  /** Chained-only plugins (portmap) get a prevResult on every ADD. */
  readonly chained: boolean;
  /**
   * An IPAM plugin under test (its config's type is its ipam type, as host-local's test config): its result is the
   * abbreviated one (SPEC §5 Delegated plugins), it creates nothing in the namespace, is never chained, and need not
   * open CNI_NETNS.
   */
  readonly ipam: boolean;
}

export function env(ctx: Ctx, cmd: string, cid: string, netns: string, ifName = 'eth0'): Record<string, string> {
  return { CNI_COMMAND: cmd, CNI_CONTAINERID: cid, CNI_NETNS: netns, CNI_IFNAME: ifName, CNI_ARGS: '', CNI_PATH: ctx.cniPath };
}

/** The synthetic result of a "previous plugin": eth0 in the container with 10.99.0.2/24. */
export function syntheticPrev(netns: string): Result100 {
  return { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: netns }], ips: [{ interface: 0, address: '10.99.0.2/24', gateway: '10.99.0.1' }] };
}

export function request(ctx: Ctx, version: string, netns: string, prev?: CniResult, patch: Obj = {}): string {
  const p = prev ?? (ctx.chained ? syntheticPrev(netns) : undefined);
  const o: Obj = { ...ctx.conf, ...patch, cniVersion: version, name: ctx.name };
  // An unknown version (a bad-input case) gets the prevResult as it is: there is nothing to convert it to.
  if (p !== undefined) o['prevResult'] = isSpecVersion(version) ? convertResult(p, version) : p;
  return JSON.stringify(o);
}

export async function run(ctx: Ctx, cmd: string, cid: string, netns: string, input: string, ifName = 'eth0'): Promise<Run> {
  return ctx.sb.run(ctx.plugin, env(ctx, cmd, cid, netns, ifName), input);
}

/** Default test configs for the plugin types we know (upstream's keys); kw- names, a temporary dataDir. */
export function defaultConf(plugin: string, dataDir: string): Obj | undefined {
  const ipam = { type: 'host-local', ranges: [[{ subnet: '10.99.0.0/24' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir };
  switch (basename(plugin)) {
    case 'bridge': return { type: 'bridge', bridge: 'kw-br0', isGateway: true, ipMasq: true, hairpinMode: true, ipam };
    case 'vxlan': return { type: 'vxlan', bridge: 'kw-br0', isGateway: true, ipam, vxlan: { name: 'kw-vx0', vni: 42 } };
    case 'ptp': return { type: 'ptp', ipMasq: true, mtu: 1400, ipam };
    case 'host-local': return { type: 'host-local', ipam };
    case 'loopback': return { type: 'loopback' };
    case 'portmap': return { type: 'portmap', snat: true, runtimeConfig: { portMappings: [{ hostPort: 8080, containerPort: 80, protocol: 'tcp' }] } };
    default: return undefined;
  }
}

/** The plugin object to test from a --config file (a conflist: the plugin whose type is the binary's name, else the first). */
export function confFromFile(json: unknown, plugin: string, dataDir: string): { conf: Obj; name: string } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new TypeError('$: the config must be a JSON object');
  const o = json as Obj;
  const name = typeof o['name'] === 'string' ? o['name'] : 'kw-validate';
  let conf: Obj = o;
  if (Array.isArray(o['plugins'])) {
    const ps = (o['plugins'] as unknown[]).filter((p): p is Obj => typeof p === 'object' && p !== null && !Array.isArray(p));
    const pick = ps.find((p) => p['type'] === basename(plugin)) ?? ps[0];
    if (pick === undefined) throw new TypeError('$.plugins: no plugin object to test');
    conf = pick;
  }
  const ipam = conf['ipam'];
  if (typeof ipam === 'object' && ipam !== null && (ipam as Obj)['type'] === 'host-local' && (ipam as Obj)['dataDir'] === undefined) {
    conf = { ...conf, ipam: { ...(ipam as Obj), dataDir } };
  }
  return { conf, name };
}
