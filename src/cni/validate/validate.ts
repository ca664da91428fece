import { access, constants, readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { InputError } from '../../lib/index.js';
import { confFromFile, type Ctx, defaultConf } from './context.js';
import { errorChecks } from './error-checks.js';
import { leftovers } from './leftovers.js';
import { addCycle, chainedAdd, delWithoutAdd } from './lifecycle-checks.js';
import { Sandbox } from './sandbox.js';
import { Findings, type ValidationReport } from './types.js';
import { versionChecks } from './version-checks.js';

export interface ValidateOptions {
  /** A conflist or single plugin config; default: a built-in config for the known plugin names. */
  readonly configFile?: string;
  /** CNI_PATH for delegated plugins; default: the plugin's own directory. */
  readonly cniPath?: string;
  /** Exercise only these of the versions the plugin claims (VERSION is still checked); default: all of them. */
  readonly versions?: readonly string[];
}

/**
 * Runs `plugin` for real (needs root) in throwaway namespaces through the spec's verbs and bad inputs, and reports
 * every deviation. The namespaces and the temporary dataDir are removed whatever happens.
 */
export async function validatePlugin(pluginPath: string, opts: ValidateOptions = {}): Promise<ValidationReport> {
  const plugin = resolve(pluginPath);
  try {
    await access(plugin, constants.X_OK);
  } catch {
    throw new InputError('KW_CNI_VALIDATE_PLUGIN', `"${pluginPath}" is not an executable file`, { where: '--plugin' });
  }
  let fileJson: unknown;
  if (opts.configFile !== undefined) {
    let text: string;
    try {
      text = await readFile(opts.configFile, 'utf8');
    } catch (e) {
      throw new InputError('KW_CNI_VALIDATE_CONFIG', `cannot read: ${e instanceof Error ? e.message : String(e)}`, { where: opts.configFile });
    }
    try {
      fileJson = JSON.parse(text) as unknown;
    } catch (e) {
      throw new InputError('KW_CNI_VALIDATE_CONFIG', `$: not JSON: ${e instanceof Error ? e.message : String(e)}`, { where: opts.configFile });
    }
  } else if (defaultConf(plugin, '/x') === undefined) {
    throw new InputError('KW_CNI_VALIDATE_CONFIG', `no built-in test config for a plugin named "${basename(plugin)}": give --config <file>`, { where: '--plugin' });
  }
  const sb = new Sandbox();
  const f = new Findings();
  try {
    await sb.open();
    let conf: Record<string, unknown>;
    let name = 'kw-validate';
    if (fileJson !== undefined) {
      try {
        ({ conf, name } = confFromFile(fileJson, plugin, sb.dataDir));
      } catch (e) {
        throw new InputError('KW_CNI_VALIDATE_CONFIG', e instanceof Error ? e.message : String(e), { where: opts.configFile ?? '' });
      }
    } else {
      conf = defaultConf(plugin, sb.dataDir) ?? {};
    }
    const ctx: Ctx = { plugin, sb, f, conf, name, cniPath: opts.cniPath ?? dirname(plugin), chained: conf['type'] === 'portmap' || basename(plugin) === 'portmap',
      ipam: typeof conf['ipam'] === 'object' && conf['ipam'] !== null && (conf['ipam'] as Record<string, unknown>)['type'] === conf['type'] };
    const baseline = await sb.snapshot();
    const versions = (await versionChecks(ctx)).filter((v) => opts.versions === undefined || opts.versions.includes(v));
    const top = versions[versions.length - 1];
    for (const v of versions) await addCycle(ctx, v, v === top);
    if (top !== undefined) {
      await delWithoutAdd(ctx, top);
      await chainedAdd(ctx, top);
      await errorChecks(ctx, top);
    }
    const left = leftovers(baseline, await sb.snapshot());
    f.ran();
    if (left.length > 0) f.add({ check: 'cleanup.no-leftovers', severity: 'warning', spec: 'SPEC 1.0.0 §2 DEL', message: `after every attachment was deleted, left: ${left.join('; ')}`, evidence: { observed: left.join('\n') } });
    return { plugin, findings: f.list, checksRun: f.checksRun, namespaces: [sb.hostNs, sb.contNs, `${sb.hostNs.slice(0, -2)}-a`, `${sb.hostNs.slice(0, -2)}-b`] };
  } finally {
    await sb.close();
  }
}
