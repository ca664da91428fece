import { CniCode, CniError } from '../errors.js';
import { validateContainerId, validateIfName } from '../spec/names.js';

/**
 * Which CNI_* variables each command requires, and how a present value is validated: the table in
 * pkg/skel/skel.go getCmdArgsFromEnv (HEAD). CNI_NETNS is optional for DEL since spec 1.0; GC and STATUS need
 * only CNI_PATH; VERSION needs nothing but CNI_COMMAND.
 */
export type EnvVarName = 'CNI_COMMAND' | 'CNI_CONTAINERID' | 'CNI_NETNS' | 'CNI_IFNAME' | 'CNI_ARGS' | 'CNI_PATH';

export interface EnvVarRule {
  readonly name: EnvVarName;
  readonly requiredFor: readonly string[];
  readonly validate?: (value: string) => CniError | undefined;
}

export const SKEL_ENV_TABLE: readonly EnvVarRule[] = [
  { name: 'CNI_COMMAND', requiredFor: ['ADD', 'CHECK', 'DEL', 'GC', 'STATUS'] },
  { name: 'CNI_CONTAINERID', requiredFor: ['ADD', 'CHECK', 'DEL'], validate: validateContainerId },
  { name: 'CNI_NETNS', requiredFor: ['ADD', 'CHECK'] },
  { name: 'CNI_IFNAME', requiredFor: ['ADD', 'CHECK', 'DEL'], validate: validateIfName },
  { name: 'CNI_ARGS', requiredFor: [] },
  { name: 'CNI_PATH', requiredFor: ['ADD', 'CHECK', 'DEL', 'GC', 'STATUS'] },
];

/** Per command, whether each row of the table is required for it (worked out once per command text). */
const REQUIRED = new Map<string, readonly boolean[]>();
function requiredFor(cmd: string): readonly boolean[] {
  let r = REQUIRED.get(cmd);
  if (r === undefined) {
    r = SKEL_ENV_TABLE.map((rule) => rule.requiredFor.includes(cmd));
    if (REQUIRED.size < 64) REQUIRED.set(cmd, r);
  }
  return r;
}

export interface EnvArgs {
  readonly command: string;
  readonly containerId: string;
  readonly netns: string;
  readonly ifName: string;
  readonly args: string;
  readonly path: string;
}

/**
 * Read the CNI_* variables for the command in CNI_COMMAND. Like skel.go, a present-but-invalid required value fails
 * at once (in table order), and all missing ones are reported together:
 * `required env variables [CNI_NETNS,CNI_PATH] missing` (code 4). CNI_COMMAND itself is always required.
 */
export function readEnvArgs(env: Readonly<Record<string, string | undefined>>): EnvArgs | CniError {
  // Each variable read once by its constant name (the table is walked with the values, not with keyed reads).
  const values = [
    env['CNI_COMMAND'] ?? '', env['CNI_CONTAINERID'] ?? '', env['CNI_NETNS'] ?? '', env['CNI_IFNAME'] ?? '', env['CNI_ARGS'] ?? '', env['CNI_PATH'] ?? '',
  ] as const;
  const cmd = values[0];
  let missing: string[] | undefined;
  const req = requiredFor(cmd);
  for (let i = 0; i < SKEL_ENV_TABLE.length; i++) {
    const rule = SKEL_ENV_TABLE[i] as EnvVarRule;
    const value = values[i] ?? '';
    const required = req[i] === true;
    if (value === '') {
      if (required || rule.name === 'CNI_COMMAND') (missing ??= []).push(rule.name);
    } else if (required && rule.validate !== undefined) {
      const err = rule.validate(value);
      if (err !== undefined) return err;
    }
  }
  if (missing !== undefined) {
    return new CniError(CniCode.InvalidEnvironmentVariables, `required env variables [${missing.join(',')}] missing`);
  }
  return { command: cmd, containerId: values[1], netns: values[2], ifName: values[3], args: values[4], path: values[5] };
}
