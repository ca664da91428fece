import { readFile } from 'node:fs/promises';
import { selectListVersion } from './invoke/conflist.js';
import { ExecInvoker } from './invoke/exec.js';
import type { PluginInvoker } from './invoke/invoker.js';
import { KNOWN_CAPABILITIES } from './spec/config-types.js';
import { confListSchema } from './spec/schemas.js';
import { jsonPathJoin, validateAgainst } from './spec/validate.js';
import { CURRENT_VERSION, isSpecVersion, parseVersion, versionGte, compareVersions } from './spec/versions.js';

export type Severity = 'error' | 'warning' | 'info';
export interface LintFinding {
  readonly severity: Severity;
  readonly file: string;
  /** JSON path inside the file, `$` for the whole document. */
  readonly path: string;
  readonly rule: string;
  readonly message: string;
}

export interface LintOptions {
  /** CNI_PATH directories: when given, every plugin `type` must be found there (libcni FindInPath). */
  readonly cniPath?: readonly string[];
  /** Also run each found plugin's VERSION and check it supports the list's version (libcni ValidateNetworkList). */
  readonly probeVersions?: boolean;
  /** Defaults to ExecInvoker. */
  readonly invoker?: PluginInvoker;
}

/** Plugins that fail without a prevResult ("must be called as chained plugin"). */
const CHAINED_ONLY = ['portmap', 'bandwidth', 'firewall', 'sbr'];
/** Plugins that create the pod's interface: two in one list fight over CNI_IFNAME. */
const INTERFACE_PLUGINS = ['bridge', 'ptp', 'macvlan', 'ipvlan', 'host-device', 'vlan', 'dummy', 'tap', 'vrf'];

/**
 * Static checks of network configuration lists: everything libcni would reject (as errors), and what it would
 * accept but is probably wrong (warnings): version features used below their version, reserved keys on disk, chain
 * order, duplicate plugins, and network names repeated across files (libcni uses the first in sorted order).
 */
export async function lintConfLists(files: readonly { readonly file: string; readonly text: string }[], opts: LintOptions = {}): Promise<LintFinding[]> {
  const out: LintFinding[] = [];
  const seenNames = new Map<string, string>();
  for (const { file, text } of [...files].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) {
    const add = (severity: Severity, path: string, rule: string, message: string): void => { out.push({ severity, file, path, rule, message }); };
    let json: unknown;
    try {
      json = JSON.parse(text) as unknown;
    } catch (e) {
      add('error', '$', 'json', `invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    const vs = validateAgainst('conflist', confListSchema(), json);
    for (const v of vs) add('error', v.path, 'schema', v.message);
    if (typeof json !== 'object' || json === null || Array.isArray(json)) continue;
    const o = json as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (!['cniVersion', 'cniVersions', 'name', 'disableCheck', 'disableGC', 'loadOnlyInlinedPlugins', 'plugins'].includes(k)) {
        add('warning', jsonPathJoin('$', k), 'unknown-key', 'not a network configuration key: runtimes ignore it (plugin settings belong inside a plugin object)');
      }
    }
    const version = lintVersions(o, add);
    lintBooleans(o, version, add);
    if (typeof o['name'] === 'string') {
      const prev = seenNames.get(o['name']);
      if (prev !== undefined) add('error', '$.name', 'duplicate-name', `network "${o['name']}" is also defined in ${prev}, which libcni loads first: this file is never used`);
      else seenNames.set(o['name'], file);
    }
    if (Array.isArray(o['plugins'])) await lintPlugins(o['plugins'] as unknown[], version, opts, add);
  }
  return out;
}

type Add = (severity: Severity, path: string, rule: string, message: string) => void;

/** Returns the version a runtime would use, or undefined when it cannot be determined. */
function lintVersions(o: Record<string, unknown>, add: Add): string | undefined {
  const cv = o['cniVersion'];
  const cvs = o['cniVersions'];
  if (cv === undefined && cvs === undefined) {
    add('warning', '$.cniVersion', 'version', 'no cniVersion: plugins then assume 0.1.0, which predates network configuration lists');
  }
  if (typeof cv === 'string') {
    const p = parseVersion(cv);
    if ('error' in p) add('error', '$.cniVersion', 'version', p.error);
    else if (!isSpecVersion(cv)) add('error', '$.cniVersion', 'version', `"${cv}" is not a CNI spec version (known: 0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0)`);
    else if (!versionGte(cv, '0.3.0')) add('error', '$.cniVersion', 'version', `network configuration lists exist since spec 0.3.0; "${cv}" plugins expect a single config`);
  }
  const list = Array.isArray(cvs) && cvs.every((x) => typeof x === 'string') ? (cvs as string[]) : undefined;
  if (list !== undefined) {
    const seen = new Set<string>();
    list.forEach((v, i) => {
      const p = jsonPathJoin(jsonPathJoin('$', 'cniVersions'), i);
      const pv = parseVersion(v);
      if ('error' in pv) add('error', p, 'version', `${pv.error} (libcni rejects the whole list)`);
      else if (compareVersions(v, CURRENT_VERSION) > 0) add('warning', p, 'version', `"${v}" is newer than ${CURRENT_VERSION} and is ignored by libcni`);
      else if (!isSpecVersion(v)) add('warning', p, 'version', `"${v}" is not a CNI spec version`);
      if (seen.has(v)) add('warning', p, 'version', `"${v}" is listed twice`);
      seen.add(v);
    });
    if (typeof cv === 'string' && !list.includes(cv)) add('warning', '$.cniVersions', 'version', `cniVersion "${cv}" is not in cniVersions: list every version the file conforms to`);
  }
  try {
    const selected = selectListVersion(typeof cv === 'string' ? cv : undefined, list);
    if (list !== undefined) {
      add('info', '$.cniVersions', 'version', `a 1.1.0 runtime selects version ${selected}`);
      if (!versionGte(selected, '1.1.0')) add('warning', '$.cniVersions', 'version', 'cniVersions is defined by spec 1.1.0: runtimes before it use cniVersion alone');
    }
    return 'error' in parseVersion(selected) ? undefined : selected;
  } catch {
    return undefined;
  }
}

function lintBooleans(o: Record<string, unknown>, version: string | undefined, add: Add): void {
  const since: Record<string, string> = { disableCheck: '0.4.0', disableGC: '1.1.0', loadOnlyInlinedPlugins: '1.1.0' };
  for (const [k, v] of Object.entries(since)) {
    const val = o[k];
    if (val === undefined) continue;
    if (typeof val === 'string') add('warning', jsonPathJoin('$', k), 'boolean-string', `the spec wants a boolean; libcni accepts the string ${JSON.stringify(val)} but other runtimes may not`);
    if (version !== undefined && !versionGte(version, v)) add('warning', jsonPathJoin('$', k), 'version-feature', `${k} is defined from spec ${v}; this list is ${version}`);
  }
}

async function lintPlugins(plugins: readonly unknown[], version: string | undefined, opts: LintOptions, add: Add): Promise<void> {
  const firstIndex = new Map<string, number>();
  const interfaces: number[] = [];
  const invoker = opts.invoker ?? new ExecInvoker();
  for (const [i, p] of plugins.entries()) {
    if (typeof p !== 'object' || p === null || Array.isArray(p)) continue;
    const o = p as Record<string, unknown>;
    const at = jsonPathJoin('$.plugins', i);
    for (const k of Object.keys(o)) {
      if (k === 'prevResult' || k === 'runtimeConfig' || k.startsWith('cni.dev/')) {
        add('error', jsonPathJoin(at, k), 'reserved-key', `"${k}" is generated by the runtime at execution time; a value on disk is passed to plugins as if the runtime had sent it`);
      } else if (k === 'args') {
        add('warning', jsonPathJoin(at, k), 'reserved-key', '"args" is reserved for the runtime (CONVENTIONS.md args.cni)');
      } else if (k === 'name' || k === 'cniVersion') {
        add('warning', jsonPathJoin(at, k), 'overridden', `"${k}" in a plugin object is replaced by the list's value when the runtime builds the request`);
      }
    }
    const caps = o['capabilities'];
    if (typeof caps === 'object' && caps !== null && !Array.isArray(caps)) {
      for (const c of Object.keys(caps)) {
        if (!KNOWN_CAPABILITIES.includes(c)) add('info', jsonPathJoin(jsonPathJoin(at, 'capabilities'), c), 'capability', `"${c}" is not a capability from CONVENTIONS.md: runtimes will not know to supply it`);
      }
    }
    const type = o['type'];
    if (typeof type !== 'string' || type === '') continue;
    const prev = firstIndex.get(type);
    if (prev !== undefined) add('warning', jsonPathJoin(at, 'type'), 'duplicate-type', `"${type}" already runs at $.plugins[${prev}]: a second instance repeats or undoes the first`);
    else firstIndex.set(type, i);
    if (i === 0 && CHAINED_ONLY.includes(type)) add('error', jsonPathJoin(at, 'type'), 'chain-order', `"${type}" needs a prevResult ("must be called as chained plugin") but is first in the list`);
    if (INTERFACE_PLUGINS.includes(type)) interfaces.push(i);
    if (opts.cniPath !== undefined) await lintBinary(type, at, version, opts.cniPath, opts.probeVersions === true, invoker, add);
  }
  if (interfaces.length > 1) {
    add('warning', jsonPathJoin(jsonPathJoin('$.plugins', interfaces[1] ?? 0), 'type'), 'interface-plugins', `more than one interface-creating plugin (${interfaces.map((i) => `$.plugins[${i}]`).join(', ')}) for the same CNI_IFNAME`);
  }
}

async function lintBinary(type: string, at: string, version: string | undefined, path: readonly string[], probe: boolean, invoker: PluginInvoker, add: Add): Promise<void> {
  let loc: string;
  try {
    loc = await invoker.find(type, path);
  } catch (e) {
    add('error', jsonPathJoin(at, 'type'), 'plugin-missing', e instanceof Error ? e.message : String(e));
    return;
  }
  if (!probe || version === undefined) return;
  const env = { CNI_COMMAND: 'VERSION', CNI_NETNS: 'dummy', CNI_IFNAME: 'dummy', CNI_PATH: 'dummy' };
  const raw = await invoker.invoke(loc, JSON.stringify({ cniVersion: CURRENT_VERSION }), env, { timeoutMs: 10_000 });
  let supported: unknown;
  try {
    supported = (JSON.parse(raw.stdout) as { supportedVersions?: unknown }).supportedVersions;
  } catch {
    supported = undefined;
  }
  if (raw.exitCode !== 0 || !Array.isArray(supported)) {
    add('warning', jsonPathJoin(at, 'type'), 'plugin-version', `${loc} gave no usable VERSION answer (${raw.status})`);
  } else if (!supported.includes(version)) {
    add('error', jsonPathJoin(at, 'type'), 'plugin-version', `plugin ${type} does not support config version "${version}" (it supports ${supported.join(', ')})`);
  }
}

/** Read the files, then lint; an unreadable file is an error finding rather than an exception. */
export async function lintConfListFiles(paths: readonly string[], opts: LintOptions = {}): Promise<LintFinding[]> {
  const files: { file: string; text: string }[] = [];
  const unreadable: LintFinding[] = [];
  for (const file of paths) {
    try {
      files.push({ file, text: await readFile(file, 'utf8') });
    } catch (e) {
      unreadable.push({ severity: 'error', file, path: '$', rule: 'read', message: `cannot read: ${e instanceof Error ? e.message : String(e)}` });
    }
  }
  return [...unreadable, ...(await lintConfLists(files, opts))];
}

/** One line per finding: `file $.path: severity: message [rule]`. */
export function formatFindings(findings: readonly LintFinding[]): string {
  return findings.map((f) => `${f.file} ${f.path}: ${f.severity}: ${f.message} [${f.rule}]`).join('\n');
}

export function hasErrors(findings: readonly LintFinding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}
