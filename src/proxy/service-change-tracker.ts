import type { Service } from 'kubernetes-types/core/v1.js';
import { makeServicePortInfo, samePortInfo, serviceIPv4, type ServicePortInfo } from './service-port.js';

/** Ports of one Service by port key (`ns/name:port/PROTO`), in spec order. */
export type ServicePorts = ReadonlyMap<string, ServicePortInfo>;

/**
 * The ServicePortMap and its change tracking (pkg/proxy/servicechangetracker.go): each Service
 * becomes one ServicePortInfo per port. ExternalName and headless (clusterIP None/"") services are
 * not proxied. A change whose derived ports are identical is a no-op (kube-proxy drops it too).
 */
export class ServiceChangeTracker {
  private readonly services = new Map<string, ServicePorts>();

  get portsByService(): ReadonlyMap<string, ServicePorts> {
    return this.services;
  }

  portsOf(serviceKey: string): ServicePorts | undefined {
    return this.services.get(serviceKey);
  }

  /**
   * Applies add/update (`current` set) or delete (`current` undefined). Returns the changed service
   * key or undefined. `serviceKey` (`ns/name` of the Service) saves recomputing it when known.
   */
  update(previous: Service | undefined, current: Service | undefined, serviceKey?: string): string | undefined {
    const ref = current ?? previous;
    if (ref === undefined) return undefined;
    const key = serviceKey ?? `${ref.metadata?.namespace ?? 'default'}/${ref.metadata?.name ?? ''}`;
    const ports = current === undefined ? NO_PORTS : servicePorts(current, key);
    if (samePorts(this.services.get(key), ports)) return undefined;
    if (ports.size === 0) this.services.delete(key);
    else this.services.set(key, ports);
    return key;
  }
}

const NO_PORTS: ServicePorts = new Map();

/** Same ports in the same order, each rendering identically (an absent Service has no ports). */
function samePorts(old: ServicePorts | undefined, ports: ServicePorts): boolean {
  if ((old?.size ?? 0) !== ports.size) return false;
  if (old === undefined) return true;
  const it = old.values();
  for (const p of ports.values()) {
    const o = it.next();
    if (o.done === true || !samePortInfo(o.value, p)) return false;
  }
  return true;
}

function servicePorts(svc: Service, serviceKey: string): ServicePorts {
  if (svc.spec?.type === 'ExternalName') return NO_PORTS;
  const cip = serviceIPv4(svc);
  if (cip === undefined) return NO_PORTS;
  const out = new Map<string, ServicePortInfo>();
  for (const p of svc.spec?.ports ?? []) {
    const info = makeServicePortInfo(svc, p, cip, serviceKey);
    if (info !== undefined) out.set(info.key, info);
  }
  return out;
}
