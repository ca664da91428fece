import test from 'ava';
import { fileURLToPath } from 'node:url';
import { formatFindings, lintConfLists, type LintFinding } from '../../src/cni/lint.js';
import { runCniLintCommand } from '../../src/cni/lint-command.js';

const BIN = fileURLToPath(new URL('../fixtures/cni/bin', import.meta.url));
const brief = (fs: LintFinding[]) => fs.map((f) => `${f.severity} ${f.file} ${f.path} [${f.rule}]`);

test('a clean conflist has no findings', async (t) => {
  const text = JSON.stringify({ cniVersion: '1.0.0', name: 'kw-net', plugins: [{ type: 'record-a' }, { type: 'record-b', capabilities: { portMappings: true } }] });
  t.deepEqual(await lintConfLists([{ file: 'a.conflist', text }], { cniPath: [BIN] }), []);
});

test('findings point at the JSON path: schema, reserved keys, chain order, duplicates, missing binaries', async (t) => {
  const text = JSON.stringify({
    cniVersion: '0.3.1', name: 'kw-net', disableGC: true, ipam: {},
    plugins: [
      { type: 'portmap', prevResult: {} },
      { type: 'bridge', name: 'x', capabilities: { portMapping: true } },
      { type: 'ptp' },
      { type: 'bridge' },
      { ipMasq: 'yes' },
    ],
  });
  const fs = await lintConfLists([{ file: 'b.conflist', text }], { cniPath: [BIN] });
  t.log(formatFindings(fs));
  t.deepEqual(brief(fs), [
    'error b.conflist $.plugins[4].ipMasq [schema]',
    'error b.conflist $.plugins[4].type [schema]',
    'warning b.conflist $.ipam [unknown-key]',
    'warning b.conflist $.disableGC [version-feature]',
    'error b.conflist $.plugins[0].prevResult [reserved-key]',
    'error b.conflist $.plugins[0].type [chain-order]',
    'error b.conflist $.plugins[0].type [plugin-missing]',
    'warning b.conflist $.plugins[1].name [overridden]',
    'info b.conflist $.plugins[1].capabilities.portMapping [capability]',
    'error b.conflist $.plugins[1].type [plugin-missing]',
    'error b.conflist $.plugins[2].type [plugin-missing]',
    'warning b.conflist $.plugins[3].type [duplicate-type]',
    'error b.conflist $.plugins[3].type [plugin-missing]',
    'warning b.conflist $.plugins[2].type [interface-plugins]',
  ]);
  t.is(fs.find((f) => f.rule === 'plugin-missing')?.message, `failed to find plugin "portmap" in path [${BIN}]`);
});

test('versions: unknown, too old for a list, cniVersions consistency, and the version a runtime selects', async (t) => {
  const fs = await lintConfLists([
    { file: 'c.conflist', text: JSON.stringify({ cniVersion: '0.2.0', name: 'c', plugins: [{ type: 'x' }] }) },
    { file: 'd.conflist', text: JSON.stringify({ cniVersion: '1.0.0', cniVersions: ['0.4.0', '0.4.0', '2.0.0', 'x'], name: 'd', plugins: [{ type: 'x' }] }) },
    { file: 'e.conflist', text: JSON.stringify({ cniVersion: '1.2.0', name: 'e', plugins: [{ type: 'x' }] }) },
  ]);
  t.deepEqual(fs.map((f) => `${f.file} ${f.path} ${f.severity}: ${f.message}`), [
    'c.conflist $.cniVersion error: network configuration lists exist since spec 0.3.0; "0.2.0" plugins expect a single config',
    'd.conflist $.cniVersions[1] warning: "0.4.0" is listed twice',
    'd.conflist $.cniVersions[2] warning: "2.0.0" is newer than 1.1.0 and is ignored by libcni',
    'd.conflist $.cniVersions[3] error: failed to convert major version part "x": strconv.Atoi: parsing "x": invalid syntax (libcni rejects the whole list)',
    'd.conflist $.cniVersions warning: cniVersion "1.0.0" is not in cniVersions: list every version the file conforms to',
    'e.conflist $.cniVersion error: "1.2.0" is not a CNI spec version (known: 0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0)',
  ]);
  const ok = await lintConfLists([{ file: 'f', text: JSON.stringify({ cniVersion: '1.1.0', cniVersions: ['1.0.0', '1.1.0'], name: 'f', plugins: [{ type: 'x' }] }) }]);
  t.deepEqual(ok.map((f) => `${f.severity}: ${f.message}`), ['info: a 1.1.0 runtime selects version 1.1.0']);
});

test('the same network name in two files: the later file (sorted) is shadowed', async (t) => {
  const text = JSON.stringify({ cniVersion: '1.0.0', name: 'same', plugins: [{ type: 'x' }] });
  const fs = await lintConfLists([{ file: '20-b.conflist', text }, { file: '10-a.conflist', text }]);
  t.deepEqual(fs.map((f) => `${f.file} ${f.path} ${f.severity}: ${f.message}`), [
    '20-b.conflist $.name error: network "same" is also defined in 10-a.conflist, which libcni loads first: this file is never used',
  ]);
});

test('probeVersions runs VERSION and reports unsupported list versions', async (t) => {
  const text = JSON.stringify({ cniVersion: '1.0.0', name: 'p', plugins: [{ type: 'record' }, { type: 'status-down' }] });
  const fs = await lintConfLists([{ file: 'p', text }], { cniPath: [BIN], probeVersions: true });
  t.deepEqual(fs.map((f) => `${f.path} ${f.severity}: ${f.message}`), ['$.plugins[1].type error: plugin status-down does not support config version "1.0.0" (it supports 1.1.0)']);
});

test('the lint command: exit 1 on errors, 0 when clean, 2 on usage; unreadable files are findings', async (t) => {
  let out = '';
  const io = { stdout: (s: string) => { out += s; }, stderr: () => undefined, env: { CNI_PATH: BIN } };
  t.is(await runCniLintCommand([], io), 2);
  t.is(await runCniLintCommand(['/nonexistent/x.conflist'], io), 1);
  t.regex(out, /^\/nonexistent\/x\.conflist \$: error: cannot read: .*ENOENT.* \[read\]\n$/);
});
