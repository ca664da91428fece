import type { CniResult, Interface100, IpConfig100, Result100, Route } from '../../src/cni/index.js';
import { convertResult, parsePrevResult } from '../../src/cni/index.js';
import type { Args } from './common.js';

/** The request's prevResult as 1.0.0, or undefined (first plugin in the chain). */
export function prevResult100(args: Args): Result100 | undefined {
  const p: CniResult | undefined = parsePrevResult(args.config);
  return p === undefined ? undefined : (convertResult(p, '1.0.0') as Result100);
}

/**
 * SPEC §5 "Success": a plugin given prevResult outputs it with its own changes. Our interfaces are appended after
 * the previous ones, so our ips' interface indexes shift by their count; routes are appended; our dns wins if set.
 */
export function mergeIntoPrev(prev: Result100 | undefined, mine: Result100): Result100 {
  if (prev === undefined) return mine;
  const base = prev.interfaces?.length ?? 0;
  const shift = (ip: IpConfig100): IpConfig100 => (ip.interface === undefined ? ip : { ...ip, interface: ip.interface + base });
  const interfaces: Interface100[] = [...(prev.interfaces ?? []), ...(mine.interfaces ?? [])];
  const ips: IpConfig100[] = [...(prev.ips ?? []), ...(mine.ips ?? []).map(shift)];
  const routes: Route[] = [...(prev.routes ?? []), ...(mine.routes ?? [])];
  const dns = mine.dns !== undefined && Object.keys(mine.dns).length > 0 ? mine.dns : prev.dns;
  return {
    cniVersion: '1.0.0',
    ...(interfaces.length === 0 ? {} : { interfaces }),
    ...(ips.length === 0 ? {} : { ips }),
    ...(routes.length === 0 ? {} : { routes }),
    ...(dns === undefined ? {} : { dns }),
  };
}
