#!/usr/bin/env bash
# Makes sure the Debian packages that kipvs's build, tests and demo need are present: Java 17 and
# Maven to build, and the test bed's tools. Run as root, it installs what is missing with apt-get;
# otherwise it names exactly what is missing and fails.
#
#   scripts/ensure-deps.sh             check, and install as root
#   scripts/ensure-deps.sh --dry-run   print the packages it would install (one line, none: empty)
#                                      and change nothing, as any user
set -euo pipefail

DRY_RUN=false
case "${1:-}" in
  --dry-run) DRY_RUN=true ;;
  "") ;;
  *)
    echo "usage: $0 [--dry-run]" >&2
    exit 2
    ;;
esac

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

# A JDK 17 or newer on PATH: javac and jar build and unpack, java runs. Debian 12's JDK 17 takes
# precedence over an older one in the alternatives once installed.
jdk_major() {
  local version
  version="$(javac -version 2>&1)" || return 1
  version="${version#javac }"
  echo "${version%%.*}"
}
major="$(jdk_major 2>/dev/null || true)"
if ! command -v java >/dev/null || ! command -v jar >/dev/null \
  || ! [[ "$major" =~ ^[0-9]+$ ]] || [ "$major" -lt 17 ]; then
  missing+=(openjdk-17-jdk-headless)
fi
command -v mvn >/dev/null || missing+=(maven)

for p in "${PACKAGES[@]}"; do
  [ -e "${PROBE[$p]}" ] || missing+=("$p")
done

if $DRY_RUN; then
  echo "${missing[*]}"
  exit 0
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$EUID" -ne 0 ]; then
  echo "kipvs: missing Debian packages: ${missing[*]}" >&2
  echo "kipvs: install them as root with: apt-get install -y ${missing[*]}" >&2
  echo "kipvs: (or run this command as root: it installs them itself)" >&2
  exit 1
fi
echo "kipvs: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
