import { readFile as fsReadFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, resolve } from 'node:path';
import { InputError, errorMessage } from '../lib/index.js';
import { buildTopology, fail } from './build.js';
import { checkManifests } from './manifest-checks.js';
import { type LocatedObject, isRecord, parseManifestText } from './manifest-objects.js';
import { validateTopologyDocument } from './schema.js';
import type { CniSpec, TopologySpec } from './types.js';
import { parseYamlDocument } from './yaml.js';

/** Reads a file named relative to the cwd (or absolute); tests inject an in-memory one. */
export type ReadFile = (path: string) => Promise<string>;

const readUtf8: ReadFile = (p) => fsReadFile(p, 'utf8');

/**
 * Loads, validates and resolves a topology file and its manifests. Every problem is an InputError
 * (code KW_TOPOLOGY_*, message naming file, JSON path or line:column, and why); nothing partial is
 * returned.
 */
export async function loadTopology(path: string, readFile: ReadFile = readUtf8): Promise<TopologySpec> {
  let text: string;
  try {
    text = await readFile(path);
  } catch (e) {
    throw new InputError('KW_TOPOLOGY_FILE', `cannot read topology file: ${ioReason(e)}`, { where: path, cause: e });
  }
  return parseTopology(text, path, readFile);
}

/**
 * Like loadTopology, for text already in memory. `file` names it in errors and anchors relative
 * paths (conflist, manifests); `readFile` is called with those paths joined onto `file`'s directory.
 */
export async function parseTopology(text: string, file: string, readFile: ReadFile = readUtf8): Promise<TopologySpec> {
  const raw = parseYamlDocument(text, file);
  const doc = validateTopologyDocument(raw, file);
  const relative = (ref: string): string => (isAbsolute(ref) ? normalize(ref) : join(dirname(file), ref));

  let cni: CniSpec = {};
  const conflistRef = doc.cluster.cni?.conflist;
  if (conflistRef !== undefined) {
    const p = relative(conflistRef);
    cni = { conflistPath: resolve(p), conflist: await readConflist(p, file, readFile) };
  }

  const built = buildTopology(doc, file, cni);

  // Read every manifest before checking any: checks span files (duplicates, namespaces, clusterIPs).
  const objects: LocatedObject[] = [];
  for (const [i, ref] of (doc.manifests ?? []).entries()) {
    const p = relative(ref);
    let body: string;
    try {
      body = await readFile(p);
    } catch (e) {
      return fail('KW_TOPOLOGY_MANIFEST_FILE', file, `/manifests/${i}`, `cannot read manifest ${p}: ${ioReason(e)}`);
    }
    objects.push(...parseManifestText(body, p));
  }
  checkManifests(objects, { nodeNames: new Set(built.nodes.map((n) => n.name)), serviceCIDR: built.cluster.serviceCIDR });

  return {
    file: resolve(file),
    name: built.name,
    cluster: built.cluster,
    nodes: built.nodes,
    external: built.external,
    objects: objects.map(({ object, source }) => ({ object, source })),
  };
}

/** A conflist must be a JSON object with a non-empty `plugins` list (the only config form in CNI 1.x). */
async function readConflist(p: string, file: string, readFile: ReadFile): Promise<unknown> {
  const at = '/cluster/cni/conflist';
  let body: string;
  try {
    body = await readFile(p);
  } catch (e) {
    return fail('KW_TOPOLOGY_CONFLIST', file, at, `cannot read conflist ${p}: ${ioReason(e)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    return fail('KW_TOPOLOGY_CONFLIST', file, at, `conflist ${p} is not valid JSON: ${errorMessage(e)}`);
  }
  if (!isRecord(json) || !Array.isArray(json['plugins']) || json['plugins'].length === 0) {
    fail('KW_TOPOLOGY_CONFLIST', file, at, `conflist ${p} must be a JSON object with a non-empty "plugins" list`);
  }
  return json;
}

function ioReason(e: unknown): string {
  const code = isRecord(e) && typeof e['code'] === 'string' ? e['code'] : undefined;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES') return 'permission denied';
  return errorMessage(e);
}
