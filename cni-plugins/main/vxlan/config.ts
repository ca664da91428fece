import { fail } from '../../pkg/common.js';

/** The `vxlan` section of our overlay plugin's config; names and defaults as flannel's VXLAN backend uses them. */
export interface VxlanConf {
  readonly name: string;
  readonly vni: number;
  readonly port: number;
  readonly local: string | undefined;
  readonly dev: string | undefined;
  readonly mtu: number;
  /** Underlay addresses of the other hosts' VTEPs: BUM traffic is flooded to each (all-zero MAC FDB entries). */
  readonly remotes: readonly string[];
}

type Obj = Readonly<Record<string, unknown>>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function loadVxlanConf(conf: Obj): VxlanConf {
  const v = conf['vxlan'] ?? {};
  if (!isObj(v)) fail('failed to load netconf: $.vxlan: expected an object');
  const num = (k: string, d: number, max: number): number => {
    const x = v[k] ?? d;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > max) fail(`failed to load netconf: $.vxlan.${k}: expected a whole number 0..${max}, got ${JSON.stringify(x)}`);
    return x;
  };
  const str = (k: string): string | undefined => {
    const x = v[k];
    if (x !== undefined && typeof x !== 'string') fail(`failed to load netconf: $.vxlan.${k}: expected a string`);
    return x;
  };
  const remotes = v['remotes'] ?? [];
  if (!Array.isArray(remotes) || !remotes.every((r) => typeof r === 'string')) fail('failed to load netconf: $.vxlan.remotes: expected an array of IP strings');
  return {
    name: str('name') ?? 'vxlan.1', vni: num('vni', 1, 0xffffff), port: num('port', 8472, 65535),
    local: str('local'), dev: str('dev'), mtu: num('mtu', 1450, 65535), remotes: remotes as string[],
  };
}
