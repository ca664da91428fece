import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubewireError } from '../lib/index.js';

/** Where state files live: /run/kubewire (tmpfs: a reboot clears it together with the namespaces it describes). */
export function stateDir(env: Readonly<Record<string, string | undefined>> = process.env): string {
  return env['KUBEWIRE_STATE_DIR'] ?? '/run/kubewire';
}

export interface RealPod {
  readonly key: string;
  readonly netns: string;
  readonly node: string;
  readonly ip: string;
}

/**
 * Everything one realized cluster owns, written before each object is created (write-ahead), so `down` and
 * `cleanup` can remove it after a crash at any point. Links live inside the namespaces listed here, so deleting the
 * namespaces deletes them too; nothing is created in the host namespace.
 */
export interface RealizedState {
  readonly version: 1;
  readonly prefix: string;
  /** Absolute topology path. */
  readonly topology: string;
  status: 'creating' | 'up';
  readonly cniPath: readonly string[];
  /** Per-cluster directory: host-local's dataDir per node, responder logs. */
  readonly workDir: string;
  readonly switchNs: string;
  /** Every namespace created or about to be, in creation order. */
  readonly namespaces: string[];
  readonly nodes: Record<string, { readonly netns: string; readonly switchPort: string }>;
  readonly externals: Record<string, { readonly netns: string; readonly switchPort: string }>;
  readonly pods: Record<string, RealPod>;
  /** Responder process ids (the `ip netns exec` pid, which execs node). */
  readonly responders: number[];
}

export class StateStore {
  constructor(readonly dir: string = stateDir()) {}

  file(prefix: string): string {
    return join(this.dir, `${prefix}.json`);
  }

  workDir(prefix: string): string {
    return join(this.dir, prefix);
  }

  /** Synchronous and atomic (write + rename), so a SIGKILL never leaves half a file. */
  save(s: RealizedState): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const f = this.file(s.prefix);
    writeFileSync(`${f}.tmp`, JSON.stringify(s, null, 2) + '\n', { mode: 0o600 });
    renameSync(`${f}.tmp`, f);
  }

  load(prefix: string): RealizedState | undefined {
    let text: string;
    try {
      text = readFileSync(this.file(prefix), 'utf8');
    } catch {
      return undefined;
    }
    return parseState(text, this.file(prefix));
  }

  /** Prefixes with a state file. */
  list(): string[] {
    try {
      return readdirSync(this.dir).flatMap((n) => (/^kw-[0-9a-f]{4}\.json$/.test(n) ? [n.slice(0, -5)] : [])).sort();
    } catch {
      return [];
    }
  }

  remove(prefix: string): void {
    rmSync(this.file(prefix), { force: true });
    rmSync(`${this.file(prefix)}.tmp`, { force: true });
    rmSync(this.workDir(prefix), { recursive: true, force: true });
  }
}

function parseState(text: string, file: string): RealizedState {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new KubewireError('KW_REALIZE_STATE', `state file ${file} is not JSON (${e instanceof Error ? e.message : String(e)}): run kubewire cleanup`);
  }
  const o = v as Partial<RealizedState> | null;
  if (o === null || typeof o !== 'object' || o.version !== 1 || typeof o.prefix !== 'string' || !Array.isArray(o.namespaces)) {
    throw new KubewireError('KW_REALIZE_STATE', `state file ${file} is not a kubewire v1 state: run kubewire cleanup`);
  }
  return o as RealizedState;
}
