import type { Container, Probe } from 'kubernetes-types/core/v1.js';

/** Set on a pod through the API to make its readiness probes fail ("fail") or pass ("pass") from then on. */
export const READINESS_ANNOTATION = 'kubewire.io/readiness';

export interface ProbeResult {
  readonly ready: boolean;
  /** When the answer may change on its own (initialDelaySeconds elapsing), in ms. */
  readonly recheckAt?: number;
  readonly reason?: string;
}

function probedPort(probe: Probe): number | string | undefined {
  return probe.tcpSocket?.port ?? probe.httpGet?.port ?? probe.grpc?.port;
}

/**
 * A readiness probe, modelled: nothing really listens in a pod, so a tcpSocket, httpGet or grpc
 * probe succeeds exactly when the container declares the port it probes (by number or by name);
 * an exec probe succeeds. The first probe runs initialDelaySeconds after the container started,
 * and until it succeeds the container is not ready. The pod annotation kubewire.io/readiness=fail
 * makes every probe fail, as a broken application would.
 */
export function evaluateReadiness(c: Container, startedAt: number, now: number, override: string | undefined): ProbeResult {
  const probe = c.readinessProbe;
  if (override === 'fail') return { ready: false, reason: 'readiness probe failed (kubewire.io/readiness=fail)' };
  if (probe === undefined || override === 'pass') return { ready: true };
  const first = startedAt + (probe.initialDelaySeconds ?? 0) * 1000;
  if (now < first) return { ready: false, recheckAt: first, reason: 'waiting for initialDelaySeconds' };
  const port = probedPort(probe);
  if (port === undefined) return { ready: true };
  const declared = (c.ports ?? []).some((p) => (typeof port === 'number' ? p.containerPort === port : p.name === port));
  return declared ? { ready: true } : { ready: false, reason: `probe port ${String(port)} is not declared by container ${c.name}` };
}
