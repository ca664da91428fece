import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Which live process owns a group of kw- namespaces (a validator sandbox `kw-v-<id>-…`), so `kubewire cleanup`
 * removes what a crash left behind but not what a running `kubewire cni validate` is using. One small file per
 * group under /run/kubewire/owners (tmpfs: a reboot clears it together with the namespaces), holding the PID.
 */
export class NetnsOwners {
  constructor(private readonly dir: string = join(process.env['KUBEWIRE_STATE_DIR'] ?? '/run/kubewire', 'owners')) {}

  /** Records that this process owns the namespaces of `group` until release(). */
  claim(group: string, pid: number = process.pid): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileSync(join(this.dir, group), `${pid}\n`);
  }

  release(group: string): void {
    rmSync(join(this.dir, group), { force: true });
  }

  /** The live process that owns `group`, or undefined when none claimed it or its owner is gone. */
  liveOwner(group: string): number | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.dir, group), 'utf8');
    } catch {
      return undefined;
    }
    const pid = Number(text.trim());
    if (!Number.isInteger(pid) || pid <= 0) return undefined;
    try {
      // Signal 0 checks that the process exists without touching it; EPERM still means it exists.
      process.kill(pid, 0);
      return pid;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
    }
  }
}

/** The owner group of a validator sandbox namespace (`kw-v-<id>-h` → `kw-v-<id>`), or undefined for other names. */
export function sandboxGroupOf(netns: string): string | undefined {
  const m = /^(kw-v-[0-9a-f]+)-/.exec(netns);
  return m?.[1];
}
