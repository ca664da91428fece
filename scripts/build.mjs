// `npm run build`: bundles each executable entry (our CNI plugins and the CLI) into one ESM file under dist/, so the
// launchers in cni-plugins/bin and bin/kubewire start in a fraction of a second instead of compiling the whole tree
// with ts-node on every call (a CNI runtime starts a plugin process per ADD/CHECK/DEL, and the IPAM plugin once more).
//
// Freshness: the build writes dist/.stamp last, with the mtime of the moment the build STARTED. A launcher uses its
// bundle only when no .ts file under src/ or cni-plugins/ is newer than that stamp (one `find -newer … -quit`, a few
// milliseconds); otherwise it falls back to ts-node. So an edit is never run stale, a failed or interrupted build
// (no new stamp) is never trusted, and a file edited while the build ran counts as newer than the build.
//
// npm packages stay external: Node resolves them from the repository's node_modules (dist/ sits inside the
// repository), which keeps native and optional packages (pcap) working exactly as under ts-node.
import { mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');

/** Output (relative to dist/) → entry (relative to the repository). Each output is two directories below the root,
 *  like its entry's `src/cli/`, so an entry's own `import.meta.url`-relative paths stay true (see `keepFileUrls`). */
const ENTRIES = {
  'cni-plugins/bridge.mjs': 'cni-plugins/main/bridge/main.ts',
  'cni-plugins/loopback.mjs': 'cni-plugins/main/loopback/main.ts',
  'cni-plugins/ptp.mjs': 'cni-plugins/main/ptp/main.ts',
  'cni-plugins/vxlan.mjs': 'cni-plugins/main/vxlan/main.ts',
  'cni-plugins/host-local.mjs': 'cni-plugins/ipam/host-local/main.ts',
  'cni-plugins/portmap.mjs': 'cni-plugins/meta/portmap/main.ts',
  'cli/kubewire.mjs': 'src/cli/main.ts',
  // `npm run bench` runs this bundle, so its figures time the same compiled code the CLI runs.
  'bench/bench.mjs': 'scripts/bench.ts',
};

/**
 * Modules that locate files next to themselves (`new URL('agent', import.meta.url)`, the default topology, our
 * cni-plugins/bin) would otherwise look beside the bundle. In every bundled module but the entry, `import.meta.url`
 * becomes the module's own source URL, written relative to the bundle so the repository can still be moved. The
 * entry keeps the bundle's URL: src/cli/main.ts compares it with process.argv[1] to know it is the program.
 */
function keepFileUrls(outFile, entry) {
  return {
    name: 'keep-file-urls',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        let text = await readFile(args.path, 'utf8');
        if (args.path !== entry && text.includes('import.meta.url')) {
          const rel = relative(dirname(outFile), args.path).split('\\').join('/');
          text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
        }
        return { contents: text, loader: 'ts' };
      });
    },
  };
}

async function main() {
  const started = new Date();
  await rm(join(DIST, '.stamp'), { force: true });
  // esbuild is a devDependency: an install without it (npm ci --omit=dev) still works, on ts-node.
  let build;
  try {
    ({ build } = await import('esbuild'));
  } catch {
    process.stderr.write('kubewire build: esbuild is not installed; the launchers will run the TypeScript sources with ts-node\n');
    return;
  }
  await Promise.all(Object.entries(ENTRIES).map(([out, entry]) => {
    const outFile = join(DIST, out);
    const entryPath = join(ROOT, entry);
    return build({
      entryPoints: [entryPath],
      outfile: outFile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
      plugins: [keepFileUrls(outFile, entryPath)],
    });
  }));
  await mkdir(DIST, { recursive: true });
  const stamp = join(DIST, '.stamp');
  await writeFile(stamp, `built from ${pathToFileURL(ROOT).href} at ${started.toISOString()}\n`);
  await utimes(stamp, started, started);
  process.stdout.write(`built ${Object.keys(ENTRIES).length} bundles into ${relative(process.cwd(), DIST) || '.'}/\n`);
}

await main();
