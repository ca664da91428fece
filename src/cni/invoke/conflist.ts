import { readdir, readFile } from 'node:fs/promises';
import { join, dirname, extname } from 'node:path';
import { InputError } from '../../lib/index.js';
import type { JsonObject, NetworkConfigList, PluginConfObject } from '../spec/config-types.js';
import { parseJsonText } from '../spec/json-text.js';
import { confListSchema, pluginObjectSchema, singleConfSchema } from '../spec/schemas.js';
import { formatViolations, jsonPathJoin, validateAgainst } from '../spec/validate.js';
import { CURRENT_VERSION, compareVersions, parseVersion } from '../spec/versions.js';

/**
 * Loading network configuration lists the way libcni/conf.go does, but every rejection is an InputError
 * (KW_CNI_CONFIG_INVALID) naming the file and the JSON path, and listing all schema violations at once.
 */

const CODE = 'KW_CNI_CONFIG_INVALID';

function fail(message: string, where: string): never {
  throw new InputError(CODE, message, { where });
}

/** libcni readBool: a boolean, or "true"/"false" in any case. The schema has already rejected other values. */
function readBool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  return typeof v === 'string' && v.toLowerCase() === 'true';
}

/**
 * The version libcni uses for a list: with `cniVersions`, the highest entry (or cniVersion) that is ≤ 1.1.0, every
 * entry having to parse; without it, `cniVersion` as written. Absent everywhere means 0.1.0 (Go's DecodeVersion).
 */
export function selectListVersion(cniVersion: string | undefined, cniVersions: readonly string[] | undefined, where = '$'): string {
  if (cniVersions === undefined) return cniVersion === undefined || cniVersion === '' ? '0.1.0' : cniVersion;
  const candidates: string[] = [];
  cniVersions.forEach((v, i) => {
    const p = parseVersion(v);
    if ('error' in p) fail(`invalid cniVersions entry ${JSON.stringify(v)}: ${p.error}`, jsonPathJoin(jsonPathJoin(where, 'cniVersions'), i));
    if (compareVersions(v, CURRENT_VERSION) <= 0) candidates.push(v);
  });
  if (cniVersion !== undefined && cniVersion !== '') {
    const p = parseVersion(cniVersion);
    if ('error' in p) fail(`invalid cniVersion ${JSON.stringify(cniVersion)}: ${p.error}`, jsonPathJoin(where, 'cniVersion'));
    if (compareVersions(cniVersion, CURRENT_VERSION) <= 0) candidates.push(cniVersion);
  }
  if (candidates.length === 0) return cniVersion === undefined || cniVersion === '' ? '0.1.0' : cniVersion;
  return candidates.reduce((best, v) => (compareVersions(v, best) > 0 ? v : best));
}

/**
 * Build a NetworkConfigList from parsed JSON. `source` names the file in messages. Extra plugins (from the sibling
 * directory) are appended after the inlined ones. Throws InputError with every violation's JSON path.
 */
export function confListFromJson(json: unknown, opts: { source?: string; bytes?: string; extraPlugins?: readonly PluginConfObject[] } = {}): NetworkConfigList {
  const src = opts.source ?? '<conflist>';
  const vs = validateAgainst('conflist', confListSchema(), json);
  if (vs.length > 0) fail(`not a valid CNI network configuration list: ${formatViolations(vs)}`, src);
  const o = json as JsonObject;
  const declared = typeof o['cniVersion'] === 'string' ? o['cniVersion'] : undefined;
  const versions = Array.isArray(o['cniVersions']) ? (o['cniVersions'] as readonly string[]) : undefined;
  const cniVersion = selectListVersion(declared, versions, `${src} $`);
  const loadOnlyInlinedPlugins = readBool(o['loadOnlyInlinedPlugins']);
  const inlined = Array.isArray(o['plugins']) ? (o['plugins'] as readonly PluginConfObject[]) : undefined;
  if (inlined === undefined && loadOnlyInlinedPlugins) fail('`loadOnlyInlinedPlugins` is true, and no \'plugins\' key', `${src} $`);
  const plugins = [...(inlined ?? []), ...(loadOnlyInlinedPlugins ? [] : opts.extraPlugins ?? [])];
  if (plugins.length === 0) fail('no plugin configs found (an empty or missing "plugins" and no <confdir>/<name>/*.conf)', `${src} $.plugins`);
  return {
    name: o['name'] as string,
    cniVersion,
    declaredCniVersion: declared,
    cniVersions: versions,
    disableCheck: readBool(o['disableCheck']),
    disableGC: readBool(o['disableGC']),
    loadOnlyInlinedPlugins,
    plugins,
    bytes: opts.bytes ?? JSON.stringify(json),
    ...(opts.source === undefined ? {} : { source: opts.source }),
  };
}

/** Parse conflist text (bytes kept verbatim for the result cache, as libcni does). */
export function parseConfList(text: string, source = '<conflist>'): NetworkConfigList {
  return confListFromJson(parseJsonText(text, source, 'KW_CNI_CONFIG_JSON'), { source, bytes: text });
}

/**
 * Load a conflist file. Unless `loadOnlyInlinedPlugins`, plugin objects in `<dir>/<name>/*.conf` (sorted) are
 * appended, per spec 1.1.0 / libcni NetworkPluginConfsFromFiles.
 */
export async function loadConfListFile(path: string): Promise<NetworkConfigList> {
  const text = await readText(path);
  const json = parseJsonText(text, path, 'KW_CNI_CONFIG_JSON');
  const name = typeof json === 'object' && json !== null && !Array.isArray(json) ? (json as JsonObject)['name'] : undefined;
  const extra = typeof name === 'string' && name !== '' && !name.includes('/') ? await siblingPlugins(join(dirname(path), name)) : [];
  return confListFromJson(json, { source: path, bytes: text, extraPlugins: extra });
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new InputError('KW_CNI_CONFIG_READ', `cannot read: ${e instanceof Error ? e.message : String(e)}`, { where: path, cause: e });
  }
}

async function siblingPlugins(dir: string): Promise<PluginConfObject[]> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile() && extname(d.name) === '.conf').map((d) => d.name).sort();
  } catch {
    return []; // libcni: a missing directory is no plugins
  }
  const out: PluginConfObject[] = [];
  for (const n of names) {
    const file = join(dir, n);
    const json = parseJsonText(await readText(file), file);
    const vs = validateAgainst('plugin-object', pluginObjectSchema(), json);
    if (vs.length > 0) fail(`not a valid plugin configuration object: ${formatViolations(vs)}`, file);
    out.push(json as PluginConfObject);
  }
  return out;
}

/**
 * A legacy single-plugin config (.conf/.json) lifted into a one-plugin list, as libcni's ConfListFromConf does:
 * the list takes name and cniVersion, the plugin keeps everything.
 */
export function confListFromSingleConf(json: unknown, source = '<conf>'): NetworkConfigList {
  const vs = validateAgainst('single-conf', singleConfSchema(), json);
  if (vs.length > 0) fail(`not a valid CNI network configuration: ${formatViolations(vs)}`, source);
  const o = json as JsonObject & { name: string; type: string };
  const list = { ...(o['cniVersion'] === undefined ? {} : { cniVersion: o['cniVersion'] }), name: o.name, plugins: [o] };
  return confListFromJson(list, { source, bytes: JSON.stringify(list) });
}

/**
 * libcni LoadNetworkConf(dir, name): the first `*.conflist` (sorted) whose name matches, else a legacy
 * `*.conf`/`*.json` single config lifted into a list. Throws KW_CNI_CONFIG_NOT_FOUND with libcni's text.
 */
export async function loadNetworkConf(dir: string, name: string): Promise<NetworkConfigList> {
  let entries: string[];
  try {
    entries = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile()).map((d) => d.name).sort();
  } catch (e) {
    throw new InputError('KW_CNI_CONFIG_READ', `cannot read directory: ${e instanceof Error ? e.message : String(e)}`, { where: dir, cause: e });
  }
  for (const f of entries.filter((n) => extname(n) === '.conflist')) {
    const list = await loadConfListFile(join(dir, f));
    if (list.name === name) return list;
  }
  for (const f of entries.filter((n) => extname(n) === '.conf' || extname(n) === '.json')) {
    const file = join(dir, f);
    const json = parseJsonText(await readText(file), file);
    if (typeof json === 'object' && json !== null && (json as JsonObject)['name'] === name) return confListFromSingleConf(json, file);
  }
  throw new InputError('KW_CNI_CONFIG_NOT_FOUND', `no net configuration with name "${name}" in ${dir}`, { where: dir });
}
