import type { Dns } from '../../../src/cni/index.js';
import { fail, loadCniArgs } from '../../pkg/common.js';

/** bridge's NetConf with upstream's defaults (plugins/main/bridge/bridge.go loadNetConf). */
export interface BridgeConf {
  readonly name: string;
  readonly bridge: string;
  readonly isGateway: boolean;
  readonly isDefaultGateway: boolean;
  readonly forceAddress: boolean;
  readonly ipMasq: boolean;
  /** 0 = the kernel's default. */
  readonly mtu: number;
  readonly hairpinMode: boolean;
  readonly promiscMode: boolean;
  readonly ipamType: string;
  readonly dns: Dns | undefined;
  readonly mac: string | undefined;
}

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function field<T>(o: Obj, key: string, type: 'boolean' | 'number' | 'string', dflt: T): T {
  const v = o[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== type) fail(`failed to load netconf: $.${key}: expected a ${type}, got ${JSON.stringify(v)}`);
  return v as T;
}

export function loadBridgeConf(conf: Obj, cniArgs: string): BridgeConf {
  const vlan = field(conf, 'vlan', 'number', 0);
  if (vlan < 0 || vlan > 4094) fail(`invalid VLAN ID ${vlan} (must be between 0 and 4094)`);
  if (vlan !== 0) fail('failed to load netconf: $.vlan: VLAN tagging is not supported by kubewire bridge');
  if (field(conf, 'macspoofchk', 'boolean', false)) fail('failed to load netconf: $.macspoofchk: not supported by kubewire bridge');
  const mtu = field(conf, 'mtu', 'number', 0);
  if (!Number.isInteger(mtu) || mtu < 0) fail(`failed to load netconf: $.mtu: expected a whole number, got ${mtu}`);
  const ipam = isObj(conf['ipam']) ? conf['ipam'] : {};
  const args = isObj(conf['args']) && isObj(conf['args']['cni']) ? conf['args']['cni'] : {};
  const rc = isObj(conf['runtimeConfig']) ? conf['runtimeConfig'] : {};
  // CNI_ARGS MAC=, then args.cni.mac, then runtimeConfig.mac: the last one set wins.
  let mac = loadCniArgs(cniArgs, ['MAC']).get('MAC') || undefined;
  if (typeof args['mac'] === 'string' && args['mac'] !== '') mac = args['mac'];
  if (typeof rc['mac'] === 'string' && rc['mac'] !== '') mac = rc['mac'];
  const isDefaultGateway = field(conf, 'isDefaultGateway', 'boolean', false);
  return {
    name: field(conf, 'name', 'string', ''),
    bridge: field(conf, 'bridge', 'string', 'cni0') || 'cni0',
    isGateway: field(conf, 'isGateway', 'boolean', false) || isDefaultGateway,
    isDefaultGateway,
    forceAddress: field(conf, 'forceAddress', 'boolean', false),
    ipMasq: field(conf, 'ipMasq', 'boolean', false),
    mtu,
    hairpinMode: field(conf, 'hairpinMode', 'boolean', false),
    promiscMode: field(conf, 'promiscMode', 'boolean', false),
    ipamType: typeof ipam['type'] === 'string' ? ipam['type'] : '',
    dns: isObj(conf['dns']) ? (conf['dns'] as Dns) : undefined,
    mac,
  };
}
