import { fail } from '../../pkg/common.js';

export interface PortMap {
  readonly hostPort: number;
  readonly containerPort: number;
  readonly protocol: string;
  readonly hostIP: string;
}

/** portmap's PortMapConf (plugins/meta/portmap/main.go parseConfig) with upstream's defaults and messages. */
export interface PortMapConf {
  readonly name: string;
  readonly snat: boolean;
  readonly markMasqBit: number;
  readonly externalSetMarkChain: string | undefined;
  readonly conditionsV4: readonly string[];
  readonly portMappings: readonly PortMap[];
}

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function loadPortMapConf(conf: Obj): PortMapConf {
  const snat = conf['snat'] ?? true;
  if (typeof snat !== 'boolean') fail(`failed to parse config: $.snat: expected a boolean, got ${JSON.stringify(snat)}`);
  const ext = conf['externalSetMarkChain'];
  if (ext !== undefined && typeof ext !== 'string') fail('failed to parse config: $.externalSetMarkChain: expected a string');
  if (ext !== undefined && conf['markMasqBit'] !== undefined) fail('failed to parse config: Cannot specify externalSetMarkChain and markMasqBit');
  const bit = conf['markMasqBit'] ?? 13;
  if (typeof bit !== 'number' || !Number.isInteger(bit) || bit < 0 || bit > 31) fail(`failed to parse config: MasqMarkBit must be between 0 and 31`);
  const cond = conf['conditionsV4'] ?? [];
  if (!Array.isArray(cond) || !cond.every((c) => typeof c === 'string')) fail('failed to parse config: $.conditionsV4: expected an array of strings');
  const rc = isObj(conf['runtimeConfig']) ? conf['runtimeConfig'] : {};
  const raw = rc['portMappings'] ?? [];
  if (!Array.isArray(raw)) fail('failed to parse config: $.runtimeConfig.portMappings: expected an array');
  const portMappings = raw.map((m: unknown, i): PortMap => {
    const where = `$.runtimeConfig.portMappings[${i}]`;
    if (!isObj(m)) fail(`failed to parse config: ${where}: expected an object`);
    const hp = m['hostPort'];
    const cp = m['containerPort'];
    if (typeof hp !== 'number' || !Number.isInteger(hp) || hp <= 0 || hp > 65535) fail(`failed to parse config: Invalid host port number: ${String(hp)}`);
    if (typeof cp !== 'number' || !Number.isInteger(cp) || cp <= 0 || cp > 65535) fail(`failed to parse config: Invalid container port number: ${String(cp)}`);
    const proto = typeof m['protocol'] === 'string' ? m['protocol'].toLowerCase() : 'tcp';
    if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') fail(`failed to parse config: ${where}.protocol: unknown protocol "${proto}"`);
    return { hostPort: hp, containerPort: cp, protocol: proto, hostIP: typeof m['hostIP'] === 'string' ? m['hostIP'] : '' };
  });
  return {
    name: typeof conf['name'] === 'string' ? conf['name'] : '',
    snat, markMasqBit: bit, externalSetMarkChain: ext, conditionsV4: cond as string[], portMappings,
  };
}
