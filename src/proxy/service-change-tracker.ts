import type { Service } from 'kubernetes-types/core/v1.js';
import { makeServicePortInfo, serviceIPv4, type ServicePortInfo } from './service-port.js';

/** Ports of one Service by port key (`ns/name:port/PROTO`), in spec order. */
export type ServicePorts = ReadonlyMap<string, ServicePortInfo>;

/**
 * The ServicePortMap and its change tracking (pkg/proxy/servicechangetracker.go): each Service
 * becomes one ServicePortInfo per port. ExternalName and headless (clusterIP None/"") services are
 * not proxied. A change whose derived ports are identical is a no-op (kube-proxy drops it too).
 */
export class ServiceChangeTracker {
  private readonly services = new Map<string, ServicePorts>();
  private readonly fingerprints = new Map<string, string>();

  get portsByService(): ReadonlyMap<string, ServicePorts> {
    return this.services;
  }

  portsOf(serviceKey: string): ServicePorts | undefined {
    return this.services.get(serviceKey);
  }

  /** Applies add/update (`current` set) or delete (`current` undefined). Returns the changed service key or undefined. */
  update(previous: Service | undefined, current: Service | undefined): string | undefined {
    const ref = current ?? previous;
    if (ref === undefined) return undefined;
    const key = `${ref.metadata?.namespace ?? 'default'}/${ref.metadata?.name ?? ''}`;
    const ports = current === undefined ? new Map<string, ServicePortInfo>() : servicePorts(current);
    const fp = [...ports.values()].map((p) => p.fingerprint).join('\n');
    const old = this.fingerprints.get(key) ?? '';
    if (fp === old) return undefined;
    if (ports.size === 0) {
      this.services.delete(key);
      this.fingerprints.delete(key);
    } else {
      this.services.set(key, ports);
      this.fingerprints.set(key, fp);
    }
    return key;
  }
}

function servicePorts(svc: Service): Map<string, ServicePortInfo> {
  const out = new Map<string, ServicePortInfo>();
  if (svc.spec?.type === 'ExternalName') return out;
  const cip = serviceIPv4(svc);
  if (cip === undefined) return out;
  for (const p of svc.spec?.ports ?? []) {
    const info = makeServicePortInfo(svc, p, cip);
    if (info !== undefined) out.set(info.key, info);
  }
  return out;
}
