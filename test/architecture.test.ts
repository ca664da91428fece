import test from 'ava';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The layering of ARCHITECTURE.md §2.1, checked on every import in src/: a module may import only
 * the modules listed for it, and only through their index.ts. It is cheap and it cannot rot.
 */
const ALLOWED: Record<string, readonly string[]> = {
  lib: [],
  addr: ['lib'],
  packet: ['addr', 'lib'],
  net: ['packet', 'addr', 'lib'],
  datapath: ['net', 'packet', 'addr', 'lib'],
  capture: ['packet', 'lib'],
  kernel: ['net', 'addr', 'lib'],
  api: ['addr', 'lib'],
  cni: ['kernel', 'net', 'addr', 'lib'],
  apiserver: ['api', 'lib'],
  proxy: ['api', 'kernel', 'net', 'packet', 'addr', 'lib'],
  kubelet: ['apiserver', 'api', 'cni', 'kernel', 'addr', 'lib'],
  scheduler: ['apiserver', 'api', 'lib'],
  controllers: ['apiserver', 'api', 'addr', 'lib'],
  dns: ['api', 'addr', 'lib'],
  // ARCHITECTURE.md has topology on addr and lib; it also reads api (itself only on addr and lib, so no cycle) to check
  // the manifests' ServiceAccounts, Secrets, RBAC and Ingresses exactly as the API server will (manifest-api-checks.ts).
  topology: ['api', 'addr', 'lib'],
  realize: ['cluster', 'topology', 'cni', 'kernel', 'datapath', 'net', 'packet', 'addr', 'lib'],
  cluster: ['topology', 'controllers', 'scheduler', 'kubelet', 'dns', 'proxy', 'apiserver', 'cni', 'api', 'kernel', 'capture', 'datapath', 'net', 'packet', 'addr', 'lib'],
  server: ['cluster', 'apiserver', 'api', 'datapath', 'topology', 'proxy', 'net', 'packet', 'addr', 'lib'],
  cli: ['realize', 'server', 'cluster', 'topology', 'cni', 'kernel', 'capture', 'datapath', 'net', 'packet', 'proxy', 'addr', 'lib'],
};

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

test('src/ imports follow the layering table, through index.ts only', (t) => {
  const problems: string[] = [];
  for (const file of walk(SRC)) {
    const from = relative(SRC, file).split('/')[0] ?? '';
    const text = readFileSync(file, 'utf8');
    // Static imports and re-exports (`from '…'` or `from "…"`), side-effect imports (`import '…'`) and dynamic
    // `import('…')` with a literal path: any of them could cross a layer.
    const specs = [
      ...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]/gm),
      ...text.matchAll(/^\s*import\s+['"](\.[^'"]+)['"]/gm),
      ...text.matchAll(/\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/g),
    ];
    for (const m of specs) {
      const target = resolve(dirname(file), m[1] ?? '');
      const rel = relative(SRC, target);
      if (rel.startsWith('..')) continue;
      const [to, ...rest] = rel.split('/');
      if (to === undefined || to === from) continue;
      const allowed = ALLOWED[from];
      if (allowed === undefined) {
        problems.push(`${relative(SRC, file)}: module "${from}" is not in the layering table`);
        continue;
      }
      if (!allowed.includes(to)) problems.push(`${relative(SRC, file)} imports ${to}/ (${from}/ may import: ${allowed.join(', ') || 'nothing'})`);
      else if (rest.join('/') !== 'index.js') problems.push(`${relative(SRC, file)} deep-imports ${rel}: import ${to}/index.js instead`);
    }
  }
  t.deepEqual(problems, []);
});
