import { type Ctx, env, request, run } from './context.js';
import { leftovers } from './leftovers.js';
import { evidenceOf, type Run } from './types.js';

const ERR = 'SPEC 1.0.0 §2 Errors, §5 Error';

/** Meaning of the spec's well-known codes; a plugin using one of them must mean that. */
const WELL_KNOWN: Readonly<Record<number, string>> = { 1: 'incompatible CNI version', 2: 'unsupported field', 3: 'container unknown', 4: 'invalid environment variables', 5: 'I/O failure', 6: 'failed to decode content', 7: 'invalid network config', 11: 'try again later', 50: 'plugin not available', 51: 'limited connectivity' };

interface Case {
  readonly name: string;
  /** The code this input calls for, when the spec names one. */
  readonly code?: number;
  /** A text the message must contain (code 4 must name the variable). */
  readonly mustName?: string;
}

let missingVersion = 0;
let firstMissing: Run | undefined;

/** A failure must exit non-zero (MUST) and should print {cniVersion, code, msg[, details]} (SHOULD). */
function checkError(ctx: Ctx, c: Case, r: Run): void {
  ctx.f.ran();
  if (ctx.f.timedOut(r, ERR)) return;
  if (r.exitCode === 0) {
    ctx.f.add({ check: 'error.exit-code', severity: 'error', spec: ERR, message: `${c.name}: the plugin must fail, but exited 0`, evidence: evidenceOf(r) });
    return;
  }
  let o: Record<string, unknown> | undefined;
  try {
    const j = JSON.parse(r.stdout) as unknown;
    o = typeof j === 'object' && j !== null && !Array.isArray(j) ? (j as Record<string, unknown>) : undefined;
  } catch {
    o = undefined;
  }
  ctx.f.ran();
  if (o === undefined || typeof o['code'] !== 'number' || !Number.isInteger(o['code']) || typeof o['msg'] !== 'string' || (o['details'] !== undefined && typeof o['details'] !== 'string')) {
    ctx.f.add({ check: 'error.shape', severity: 'warning', spec: ERR, message: `${c.name}: a failing plugin should print an error object {cniVersion, code, msg, details} on stdout`, evidence: evidenceOf(r) });
    return;
  }
  if (typeof o['cniVersion'] !== 'string') {
    missingVersion++;
    firstMissing ??= r;
  }
  const code = o['code'] as number;
  ctx.f.ran();
  if (c.code !== undefined && code !== c.code) {
    const meaning = WELL_KNOWN[code];
    ctx.f.add({
      check: 'error.code', severity: meaning === undefined ? 'warning' : 'error', spec: ERR,
      message: meaning === undefined
        ? `${c.name}: expected the well-known code ${c.code} (${WELL_KNOWN[c.code] ?? ''}), got plugin-specific ${code}`
        : `${c.name}: code ${code} is reserved for "${meaning}", this input calls for ${c.code} (${WELL_KNOWN[c.code] ?? ''})`,
      evidence: evidenceOf(r),
    });
  }
  if (c.mustName !== undefined && !`${String(o['msg'])} ${String(o['details'] ?? '')}`.includes(c.mustName)) {
    ctx.f.add({ check: 'error.message', severity: 'error', spec: 'SPEC 1.0.0 §5 Error (code 4)', message: `${c.name}: the message must name the invalid variable ${c.mustName}`, evidence: evidenceOf(r) });
  }
}

/** Bad inputs at `version`, each checked for code and shape, with DEL run afterwards as a runtime would. */
export async function errorChecks(ctx: Ctx, version: string): Promise<void> {
  missingVersion = 0;
  firstMissing = undefined;
  const netns = ctx.sb.contPath;
  const good = request(ctx, version, netns);
  const cases: [Case, string, Record<string, string>][] = [
    [{ name: 'invalid JSON on stdin', code: 6 }, good.slice(0, Math.floor(good.length / 2)), env(ctx, 'ADD', 'kw-v-e1', netns)],
    [{ name: 'unsupported cniVersion "9.9.9"', code: 1 }, request(ctx, '9.9.9', netns), env(ctx, 'ADD', 'kw-v-e2', netns)],
    [{ name: 'ADD without CNI_NETNS', code: 4, mustName: 'CNI_NETNS' }, good, env(ctx, 'ADD', 'kw-v-e3', '')],
    [{ name: 'CNI_NETNS names a namespace that does not exist' }, good, env(ctx, 'ADD', 'kw-v-e4', `/run/netns/${ctx.sb.hostNs}-nope`)],
    [{ name: 'CNI_IFNAME of 16 characters' }, good, env(ctx, 'ADD', 'kw-v-e5', netns, 'kw-sixteen-chars')],
  ];
  for (const [c, input, e] of cases) {
    // IPAM and chained host-side plugins (host-local, portmap) never open the namespace: a missing one is not their error.
    if ((ctx.ipam || ctx.chained) && c.name.startsWith('CNI_NETNS names')) continue;
    const before = await ctx.sb.snapshot();
    const r = await ctx.sb.run(ctx.plugin, e, input);
    checkError(ctx, c, r);
    await ctx.sb.run(ctx.plugin, { ...e, CNI_COMMAND: 'DEL' }, input);
    await ctx.sb.snapshot().then((after) => reportLeft(ctx, c.name, r, leftovers(before, after)));
  }
  // Missing cniVersion means 0.1.0 to libcni and skel: success (then DEL) or an error are both allowed; check the shape.
  const noVersion = JSON.parse(good) as Record<string, unknown>;
  delete noVersion['cniVersion'];
  delete noVersion['prevResult'];
  const nv = await run(ctx, 'ADD', 'kw-v-e6', netns, JSON.stringify(noVersion));
  if (nv.exitCode !== 0) checkError(ctx, { name: 'cniVersion missing' }, nv);
  await run(ctx, 'DEL', 'kw-v-e6', netns, JSON.stringify(noVersion));
  await exhausted(ctx, version);
  ctx.f.ran();
  if (missingVersion > 0 && firstMissing !== undefined) {
    ctx.f.add({ check: 'error.shape', severity: 'warning', spec: ERR, message: `error objects should carry the request's cniVersion; ${missingVersion} error answer(s) had none`, evidence: evidenceOf(firstMissing) });
  }
}

function reportLeft(ctx: Ctx, what: string, r: Run, left: string[]): void {
  ctx.f.ran();
  if (left.length > 0) ctx.f.add({ check: 'cleanup.no-leftovers', severity: 'warning', spec: 'SPEC 1.0.0 §2 DEL', message: `${what}: after the failed ADD and the runtime's DEL, left: ${left.join('; ')}`, evidence: evidenceOf(r, left.join('\n')) });
}

/**
 * An exhausted IP range (host-local ipam only): the second ADD must fail; a plugin whose delegated IPAM failed should
 * undo itself (SPEC §4 "should execute again with DEL"), and the runtime's DEL must then succeed.
 */
async function exhausted(ctx: Ctx, version: string): Promise<void> {
  const ipam = ctx.conf['ipam'];
  const isHostLocal = ctx.conf['type'] === 'host-local' || (typeof ipam === 'object' && ipam !== null && (ipam as Record<string, unknown>)['type'] === 'host-local');
  if (!isHostLocal || ctx.chained) return;
  // One address (.100) inside the default subnet, so the bridge's gateway address stays the same.
  const small = { ...(ipam as Record<string, unknown>), ranges: [[{ subnet: '10.99.0.0/24', rangeStart: '10.99.0.100', rangeEnd: '10.99.0.100' }]] };
  const a = await ctx.sb.extraContainer('a');
  const b = await ctx.sb.extraContainer('b');
  const inA = request(ctx, version, a, undefined, { ipam: small });
  const inB = request(ctx, version, b, undefined, { ipam: small });
  const addA = await run(ctx, 'ADD', 'kw-v-xa', a, inA);
  if (addA.exitCode !== 0) {
    await run(ctx, 'DEL', 'kw-v-xa', a, inA);
    return;
  }
  const before = await ctx.sb.snapshot();
  const bLinks = await ctx.sb.kernel.link.list(b);
  const addB = await run(ctx, 'ADD', 'kw-v-xb', b, inB);
  checkError(ctx, { name: 'ADD with the IP range exhausted' }, addB);
  if (addB.exitCode !== 0) {
    const after = await ctx.sb.snapshot();
    const left = [...leftovers(before, after), ...(await ctx.sb.kernel.link.list(b)).filter((l) => !bLinks.some((x) => x.name === l.name)).map((l) => `container link ${l.name} in ${b}`)];
    ctx.f.ran();
    if (left.length > 0) ctx.f.add({ check: 'cleanup.failed-add', severity: 'warning', spec: 'SPEC 1.0.0 §4 Delegated plugin execution procedure', message: `the delegated IPAM failed and the plugin returned without undoing its work: ${left.join('; ')}`, evidence: evidenceOf(addB, left.join('\n')) });
    const delB = await run(ctx, 'DEL', 'kw-v-xb', b, inB);
    ctx.f.ran();
    if (delB.exitCode !== 0) ctx.f.add({ check: 'del.after-failed-add', severity: 'error', spec: 'SPEC 1.0.0 §2 DEL, §3 Lifecycle', message: 'the runtime must DEL after a failed ADD, and DEL must succeed when resources are missing; it failed', evidence: evidenceOf(delB) });
  } else {
    await run(ctx, 'DEL', 'kw-v-xb', b, inB);
  }
  await run(ctx, 'DEL', 'kw-v-xa', a, inA);
}
