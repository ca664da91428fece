import test from 'ava';

/**
 * What a real-kernel test file needs from the machine. `.ci/run` installs all of them (kubectl comes with the
 * machine) and lists them in KW_REAL_REQUIRED, so that a suite whose prerequisite is missing there fails instead of
 * skipping: a skipped real-kernel suite would otherwise leave CI green with its checks never run.
 */
export type Prerequisite = 'root' | 'iptables' | 'nft' | 'debian-cni' | 'pcap' | 'tshark' | 'kubectl';

/** The prerequisites the environment says must be present (`KW_REAL_REQUIRED=root,iptables,…` or `all`). */
function required(): ReadonlySet<string> {
  const v = process.env['KW_REAL_REQUIRED'] ?? '';
  return new Set(v.split(',').map((s) => s.trim()).filter((s) => s !== ''));
}

/**
 * Declares the outcome for a test file whose prerequisite `what` is missing (`why` says how to get it): a failing
 * test when KW_REAL_REQUIRED names it (or is `all`), else a skipped test titled with the reason, which ava counts
 * and prints as skipped. Call it only when something is missing; the file's own tests are declared with
 * `test.skip` then.
 */
export function prerequisiteMissing(suite: string, what: Prerequisite, why: string): void {
  const req = required();
  if (req.has(what) || req.has('all')) {
    test(`${suite}: ${what} is required here (KW_REAL_REQUIRED) but missing`, (t) => t.fail(why));
    return;
  }
  test.skip(`${suite}: skipped, ${why}`, () => undefined);
}
