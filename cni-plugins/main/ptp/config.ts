import type { Dns } from '../../../src/cni/index.js';
import { fail } from '../../pkg/common.js';

/** ptp's NetConf (plugins/main/ptp): ipMasq, mtu, dns; ipam is required. */
export interface PtpConf {
  readonly name: string;
  readonly ipMasq: boolean;
  readonly mtu: number;
  readonly ipamType: string;
  readonly dns: Dns | undefined;
}

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function loadPtpConf(conf: Obj): PtpConf {
  const ipMasq = conf['ipMasq'] ?? false;
  const mtu = conf['mtu'] ?? 0;
  if (typeof ipMasq !== 'boolean') fail(`failed to load netconf: $.ipMasq: expected a boolean, got ${JSON.stringify(ipMasq)}`);
  if (typeof mtu !== 'number' || !Number.isInteger(mtu) || mtu < 0) fail(`failed to load netconf: $.mtu: expected a whole number, got ${JSON.stringify(mtu)}`);
  const ipam = isObj(conf['ipam']) ? conf['ipam'] : {};
  const dns = isObj(conf['dns']) && Object.keys(conf['dns']).length > 0 ? (conf['dns'] as Dns) : undefined;
  return { name: typeof conf['name'] === 'string' ? conf['name'] : '', ipMasq, mtu, ipamType: typeof ipam['type'] === 'string' ? ipam['type'] : '', dns };
}
