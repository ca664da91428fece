#!/usr/bin/env bash
# Installs what kubewire needs. Without --system: npm packages only (enough for the emulator
# and the hermetic tests). With --system (root): also the Debian packages the real-kernel suite
# uses: iproute2 and iptables (real namespaces and rules), nftables, conntrack and nfacct (kubewire
# realize/verify: flushing conntrack between probes, kube-proxy's nfacct counters), Debian's CNI plugins
# (a real peer for ours), libpcap-dev (node-pcap capture) and tshark (reading captures).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--system" ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup.sh --system needs root (apt-get install)" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends iproute2 iptables nftables containernetworking-plugins libpcap-dev tshark conntrack nfacct >/dev/null
fi

npm ci --no-audit --no-fund --loglevel=error
