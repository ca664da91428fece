/** A two-node cluster with one Service per feature, for hand-checked kube-proxy traces. */
export const SERVICES_TOPOLOGY = `apiVersion: kubewire/v1
kind: Topology
metadata: {name: services}
cluster:
  clusterCIDR: 10.244.0.0/16
  serviceCIDR: 10.96.0.0/12
  nodeNetwork: {cidr: 192.168.50.0/24, gateway: 192.168.50.1}
  network: host-gw
  proxyMode: iptables
  loadBalancer: {pool: 192.168.50.240/28, mode: bgp}
nodes:
  - {name: n1, ip: 192.168.50.11, podCIDR: 10.244.1.0/24}
  - {name: n2, ip: 192.168.50.12, podCIDR: 10.244.2.0/24}
external:
  - {name: ext, ip: 192.168.50.200}
  - {name: blocked, ip: 192.168.50.201}
manifests: [./apps.yaml]
`;

const pod = (name: string, node: string, app: string): string => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: default, labels: {app: ${app}}}
spec:
  nodeName: ${node}
  containers:
    - name: c
      image: x
      ports: [{name: http, containerPort: 8080}, {name: dns, containerPort: 5353, protocol: UDP}, {name: sctp, containerPort: 9000, protocol: SCTP}]
`;

const svc = (name: string, spec: string): string => `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: default}
spec:
${spec}`;

export const SERVICES_APPS = [
  pod('web-1', 'n1', 'web'),
  pod('web-2', 'n2', 'web'),
  pod('client', 'n1', 'client'),
  pod('solo', 'n2', 'solo'),
  svc('web', `  clusterIP: 10.96.0.10
  selector: {app: web}
  ports:
    - {name: http, port: 80, targetPort: http}
    - {name: dns, port: 53, targetPort: dns, protocol: UDP}
    - {name: sctp, port: 9000, targetPort: sctp, protocol: SCTP}
`),
  svc('web-np', `  type: NodePort
  clusterIP: 10.96.0.11
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080, nodePort: 30080}]
`),
  svc('solo-local', `  type: LoadBalancer
  clusterIP: 10.96.0.12
  externalTrafficPolicy: Local
  selector: {app: solo}
  ports: [{name: http, port: 80, targetPort: 8080, nodePort: 30081}]
`),
  svc('ranged', `  type: LoadBalancer
  clusterIP: 10.96.0.13
  selector: {app: web}
  loadBalancerSourceRanges: [192.168.50.200/32]
  ports: [{name: http, port: 80, targetPort: 8080, nodePort: 30082}]
`),
  svc('empty', `  clusterIP: 10.96.0.14
  selector: {app: nothing}
  ports: [{name: http, port: 80, targetPort: 8080}]
`),
  svc('sticky', `  clusterIP: 10.96.0.15
  selector: {app: web}
  sessionAffinity: ClientIP
  ports: [{name: http, port: 80, targetPort: 8080}]
`),
  svc('itp-local', `  clusterIP: 10.96.0.16
  selector: {app: solo}
  internalTrafficPolicy: Local
  ports: [{name: http, port: 80, targetPort: 8080}]
`),
  svc('ext-ip', `  clusterIP: 10.96.0.17
  selector: {app: web}
  externalIPs: [192.168.50.100]
  ports: [{name: http, port: 80, targetPort: 8080}]
`),
].join('---\n');
