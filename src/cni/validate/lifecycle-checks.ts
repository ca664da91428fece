import { parseResult } from '../spec/result.js';
import { versionGte } from '../spec/versions.js';
import { type Ctx, request, run, syntheticPrev } from './context.js';
import { leftovers } from './leftovers.js';
import { checkResultMatchesNetns, checkResultSchema } from './result-checks.js';
import { evidenceOf, type Run } from './types.js';

const ADD = 'SPEC 1.0.0 §2 ADD';
const DEL = 'SPEC 1.0.0 §2 DEL';

function delFailed(ctx: Ctx, check: string, r: Run, what: string): void {
  if (ctx.f.timedOut(r, DEL)) return;
  ctx.f.add({ check, severity: 'error', spec: DEL, message: `${what}: plugins MUST accept multiple DELs and return success when what they added is missing (exit ${r.exitCode})`, evidence: evidenceOf(r) });
}

/**
 * One attachment at `version`: ADD (result schema, result against the namespaces), then for the full cycle CHECK with
 * the result as prevResult (0.4.0+), DEL twice, and nothing left of it. Returns whether ADD succeeded.
 */
export async function addCycle(ctx: Ctx, version: string, full: boolean): Promise<boolean> {
  const cid = `kw-v-${version.replaceAll('.', '')}`;
  const netns = ctx.sb.contPath;
  const before = await ctx.sb.snapshot();
  const input = request(ctx, version, netns);
  const add = await run(ctx, 'ADD', cid, netns, input);
  ctx.f.ran();
  if (ctx.f.timedOut(add, ADD)) return false;
  if (add.exitCode !== 0) {
    ctx.f.add({ check: 'add.succeeds', severity: 'error', spec: ADD, message: `ADD at cniVersion ${version} (a version the plugin claims) failed`, evidence: evidenceOf(add) });
    await run(ctx, 'DEL', cid, netns, input);
    return false;
  }
  const res = checkResultSchema(ctx, add, version);
  const prev = ctx.chained ? syntheticPrev(netns) : undefined;
  if (res !== undefined && !ctx.ipam) await checkResultMatchesNetns(ctx, add, res, netns, prev);
  let cached: unknown;
  try {
    cached = parseResult(JSON.parse(add.stdout), version);
  } catch {
    cached = undefined;
  }
  const delInput = versionGte(version, '0.4.0') && cached !== undefined ? JSON.stringify({ ...JSON.parse(input) as object, prevResult: cached }) : input;
  if (full && versionGte(version, '0.4.0') && cached !== undefined) {
    const chk = await run(ctx, 'CHECK', cid, netns, delInput);
    ctx.f.ran();
    if (chk.exitCode !== 0) {
      ctx.f.add({ check: 'check.after-add', severity: 'error', spec: 'SPEC 1.0.0 §2 CHECK', message: 'CHECK right after a successful ADD, with its result as prevResult, failed: plugins must handle CHECK immediately after ADD', evidence: evidenceOf(chk) });
    }
  }
  const del1 = await run(ctx, 'DEL', cid, netns, delInput);
  ctx.f.ran();
  if (del1.exitCode !== 0) delFailed(ctx, 'del.succeeds', del1, 'DEL after a successful ADD failed');
  if (full) {
    const del2 = await run(ctx, 'DEL', cid, netns, delInput);
    ctx.f.ran();
    if (del2.exitCode !== 0) delFailed(ctx, 'del.idempotent', del2, 'the second DEL of the same attachment failed');
  }
  const left = leftovers(before, await ctx.sb.snapshot());
  ctx.f.ran();
  if (left.length > 0) {
    ctx.f.add({ check: 'cleanup.after-del', severity: 'warning', spec: DEL, message: `DEL should undo what ADD did, but left: ${left.join('; ')}`, evidence: { ...evidenceOf(del1), observed: left.join('\n') } });
  }
  return true;
}

/** DEL for an attachment that was never added (and with the netns gone): must succeed. */
export async function delWithoutAdd(ctx: Ctx, version: string): Promise<void> {
  const input = request(ctx, version, ctx.sb.contPath);
  for (const [netns, what] of [[ctx.sb.contPath, 'DEL of a container ID that was never added'], ['', 'DEL without CNI_NETNS (the namespace is gone)']] as const) {
    const r = await run(ctx, 'DEL', 'kw-v-never', netns, input);
    ctx.f.ran();
    if (r.exitCode !== 0) delFailed(ctx, 'del.without-add', r, what);
  }
}

/**
 * Chained use: ADD given a prevResult from an earlier plugin must output that result with its own changes
 * (SPEC §5 Success). The prevResult claims an interface "kw-prev0" the plugin has no reason to touch.
 */
export async function chainedAdd(ctx: Ctx, version: string): Promise<void> {
  if (ctx.chained || ctx.ipam || !versionGte(version, '0.3.0')) return;
  const netns = ctx.sb.contPath;
  const prev = { cniVersion: '1.0.0' as const, interfaces: [{ name: 'kw-prev0', sandbox: netns }], ips: [{ interface: 0, address: '192.0.2.10/32' }], routes: [{ dst: '198.51.100.0/24' }] };
  const input = request(ctx, version, netns, prev);
  const r = await run(ctx, 'ADD', 'kw-v-chain', netns, input);
  ctx.f.ran();
  if (r.exitCode === 0) {
    const out = r.stdout;
    if (!out.includes('kw-prev0') || !out.includes('192.0.2.10/32') || !out.includes('198.51.100.0/24')) {
      ctx.f.add({ check: 'chain.prev-result', severity: 'error', spec: 'SPEC 1.0.0 §5 Success', message: 'given a prevResult, ADD must output it with its own changes included; the previous interface, address or route is missing from the output', evidence: evidenceOf(r) });
    }
  }
  await run(ctx, 'DEL', 'kw-v-chain', netns, input);
}
