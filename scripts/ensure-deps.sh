#!/usr/bin/env bash
# Makes sure the Debian packages that kipvs's tests and demo need are present: installs them when
# run as root, otherwise names exactly what is missing and fails.
set -euo pipefail

PACKAGES=(user-mode-linux kmod ipvsadm iproute2 slirp uml-utilities busybox-static curl ipset iptables conntrack)
# One file each package provides, to test presence without dpkg-query round trips.
declare -A PROBE=(
  [user-mode-linux]=/usr/bin/linux.uml
  [kmod]=/usr/bin/kmod
  [ipvsadm]=/usr/sbin/ipvsadm
  [iproute2]=/usr/bin/ip
  [slirp]=/usr/bin/slirp-fullbolt
  [uml-utilities]=/usr/bin/uml_switch
  [busybox-static]=/bin/busybox
  [curl]=/usr/bin/curl
  [ipset]=/usr/sbin/ipset
  [iptables]=/usr/sbin/iptables-legacy
  [conntrack]=/usr/sbin/conntrack
)

missing=()
for p in "${PACKAGES[@]}"; do
  [ -e "${PROBE[$p]}" ] || missing+=("$p")
done
for tool in java mvn; do
  command -v "$tool" >/dev/null || { echo "kipvs: $tool is missing (needs Java 17 and Maven)" >&2; exit 1; }
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "kipvs: missing Debian packages: ${missing[*]}" >&2
  echo "kipvs: install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "kipvs: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
