import type { Cidr4 } from '../../addr/index.js';
import { ip4ToString } from '../../addr/index.js';
import { R } from '../../controllers/index.js';
import type { ControlPlane } from './control-plane.js';

export const DNS_SERVICE_INDEX = 'dns-name';

/**
 * CoreDNS as kubeadm installs it: Deployment kube-system/coredns (two replicas, k8s-app=kube-dns,
 * ports dns 53/UDP, dns-tcp 53/TCP, metrics 9153/TCP) behind Service kube-dns
 * at the serviceCIDR's tenth address (10.96.0.10 for 10.96.0.0/12). kubeadm's readiness probe
 * (httpGet :8181, a port the container does not declare) is left out: kubewire's modelled probes
 * pass only on declared ports.
 */
export async function addCoreDns(cp: ControlPlane, serviceCIDR: Cidr4): Promise<void> {
  const labels = { 'k8s-app': 'kube-dns' };
  await cp.api.create(R.deployments, 'kube-system', {
    metadata: { name: 'coredns', labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: '25%' } },
      template: {
        metadata: { labels },
        spec: {
          priorityClassName: 'system-cluster-critical',
          dnsPolicy: 'Default',
          tolerations: [{ key: 'CriticalAddonsOnly', operator: 'Exists' }, { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
          containers: [
            {
              name: 'coredns',
              image: 'registry.k8s.io/coredns/coredns:v1.11.3',
              args: ['-conf', '/etc/coredns/Corefile'],
              resources: { requests: { cpu: '100m', memory: '70Mi' }, limits: { memory: '170Mi' } },
              ports: [
                { name: 'dns', containerPort: 53, protocol: 'UDP' },
                { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
                { name: 'metrics', containerPort: 9153, protocol: 'TCP' },
              ],
            },
          ],
        },
      },
    },
  });
  await cp.api.create(R.services, 'kube-system', {
    metadata: { name: 'kube-dns', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' } },
    spec: {
      selector: labels,
      clusterIP: ip4ToString(serviceCIDR.nth(10)),
      ports: [
        { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
        { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
        { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
      ],
    },
  });
}
