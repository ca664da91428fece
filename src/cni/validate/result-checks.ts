import { convertResult } from '../spec/convert.js';
import type { CniResult, Result100 } from '../spec/result-types.js';
import { checkResult, parseResult } from '../spec/result.js';
import { formatViolations } from '../spec/validate.js';
import type { Ctx } from './context.js';
import { evidenceOf, type Run } from './types.js';

/** add.result-schema: stdout is a result of the requested version, valid for its schema. Returns it as 1.0.0. */
export function checkResultSchema(ctx: Ctx, r: Run, version: string): Result100 | undefined {
  ctx.f.ran();
  let json: unknown;
  try {
    json = JSON.parse(r.stdout);
  } catch (e) {
    ctx.f.add({ check: 'add.result-schema', severity: 'error', spec: 'SPEC 1.0.0 §2 ADD, §5 Success', message: `ADD succeeded but stdout is not JSON: ${e instanceof Error ? e.message : String(e)}`, evidence: evidenceOf(r) });
    return undefined;
  }
  const rv = typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['cniVersion'] : undefined;
  const problems = rv === version ? checkResult(json) : [{ path: '$.cniVersion', message: `must be the request's version "${version}", got ${JSON.stringify(rv)}` }];
  if (problems.length > 0) {
    ctx.f.add({ check: 'add.result-schema', severity: 'error', spec: 'SPEC 1.0.0 §5 Success', message: `the ${version} result does not match the ${version} result schema: ${formatViolations(problems)}`, evidence: evidenceOf(r) });
    try {
      return convertResult(parseResult({ ...(json as object), cniVersion: version }, version), '1.0.0') as Result100;
    } catch {
      return undefined;
    }
  }
  try {
    return convertResult(parseResult(json, version), '1.0.0') as Result100;
  } catch {
    return undefined;
  }
}

/**
 * add.result-matches-netns: every interface, address and route the result reports exists where it says (container
 * interfaces carry the sandbox path; host ones none). Entries copied from a prevResult are not the plugin's to prove.
 */
export async function checkResultMatchesNetns(ctx: Ctx, r: Run, res: Result100, netns: string, prev?: CniResult): Promise<void> {
  ctx.f.ran();
  const k = ctx.sb.kernel;
  const prevRes = prev === undefined ? undefined : (convertResult(prev, '1.0.0') as Result100);
  const fromPrev = (kind: string, key: string) => JSON.stringify(prevRes?.[kind as 'ips'] ?? []).includes(JSON.stringify(key));
  const ifs = res.interfaces ?? [];
  const problems: string[] = [];
  const where = (i: number | undefined) => {
    const x = i === undefined ? undefined : ifs[i];
    if (x === undefined) return undefined;
    return { ns: (x.sandbox ?? '') === '' ? ctx.sb.hostNs : netns, name: x.name };
  };
  for (const x of ifs) {
    if (fromPrev('interfaces', x.name)) continue;
    const ns = (x.sandbox ?? '') === '' ? ctx.sb.hostNs : netns;
    if ((x.sandbox ?? '') !== '' && x.sandbox !== netns) problems.push(`interface ${x.name}: sandbox ${x.sandbox ?? ''} is not CNI_NETNS ${netns}`);
    const l = await k.link.get(ns, x.name);
    if (l === undefined) problems.push(`interface ${x.name} does not exist in ${(x.sandbox ?? '') === '' ? 'the host namespace' : netns}`);
    else if (x.mac !== undefined && x.mac !== '' && x.mac.toLowerCase() !== l.mac.toLowerCase()) problems.push(`interface ${x.name}: reported mac ${x.mac}, the kernel has ${l.mac}`);
  }
  for (const ip of res.ips ?? []) {
    if (fromPrev('ips', ip.address)) continue;
    const w = where(ip.interface);
    if (w === undefined) continue;
    const have = (await k.addr.list(w.ns, w.name).catch(() => [])).map((a) => a.cidr);
    if (!have.includes(ip.address)) problems.push(`address ${ip.address} is not on ${w.name} (it has ${have.join(', ') || 'none'})`);
  }
  const routes = await k.route.list(netns).catch(() => []);
  for (const rt of res.routes ?? []) {
    if (fromPrev('routes', rt.dst)) continue;
    if (!routes.some((x) => x.dst === rt.dst && (rt.gw === undefined || x.gw === rt.gw))) problems.push(`route ${rt.dst}${rt.gw === undefined ? '' : ` via ${rt.gw}`} is not in the container's main table`);
  }
  if (problems.length > 0) {
    const observed = JSON.stringify({ containerRoutes: routes, containerLinks: (await k.link.list(netns).catch(() => [])).map((l) => l.name) });
    ctx.f.add({ check: 'add.result-matches-netns', severity: 'error', spec: 'SPEC 1.0.0 §5 Success', message: `the result does not describe the namespaces: ${problems.join('; ')}`, evidence: evidenceOf(r, observed) });
  }
}
