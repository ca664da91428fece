import { SPEC_VERSIONS } from '../spec/versions.js';
import { type Ctx, run } from './context.js';
import { evidenceOf } from './types.js';

const SPEC = 'SPEC 1.0.0 §2 VERSION, §5 Version';

/**
 * VERSION: exit 0 with `{cniVersion, supportedVersions}`; cniVersion must echo the input's. Asked with a version the
 * plugin is likely to know and with an older one. Returns the versions to exercise (known spec versions it claims).
 */
export async function versionChecks(ctx: Ctx): Promise<string[]> {
  let claimed: string[] = [];
  for (const asked of ['1.0.0', '0.4.0']) {
    const r = await run(ctx, 'VERSION', '', '', JSON.stringify({ cniVersion: asked }));
    ctx.f.ran();
    let o: unknown;
    try {
      o = JSON.parse(r.stdout);
    } catch {
      o = undefined;
    }
    const sv = typeof o === 'object' && o !== null ? (o as Record<string, unknown>)['supportedVersions'] : undefined;
    if (r.exitCode !== 0 || !Array.isArray(sv) || sv.length === 0 || !sv.every((x) => typeof x === 'string')) {
      ctx.f.add({ check: 'version.supported', severity: 'error', spec: SPEC, message: 'VERSION must exit 0 and print {"cniVersion","supportedVersions":[...]} with at least one version', evidence: evidenceOf(r) });
      return [];
    }
    claimed = sv as string[];
    ctx.f.ran();
    const answered = (o as Record<string, unknown>)['cniVersion'];
    if (answered !== asked) {
      ctx.f.add({ check: 'version.cni-version', severity: 'error', spec: SPEC, message: `the VERSION answer's cniVersion must be the input's ("${asked}"), got ${JSON.stringify(answered)}`, evidence: evidenceOf(r) });
    }
  }
  const unknown = claimed.filter((v) => !(SPEC_VERSIONS as readonly string[]).includes(v));
  ctx.f.ran();
  if (unknown.length > 0) {
    ctx.f.add({ check: 'version.supported', severity: 'warning', spec: SPEC, message: `supportedVersions lists versions the spec never defined: ${unknown.join(', ')}`, evidence: { observed: JSON.stringify(claimed) } });
  }
  return SPEC_VERSIONS.filter((v) => claimed.includes(v));
}
