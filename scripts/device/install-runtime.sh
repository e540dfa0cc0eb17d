#!/usr/bin/env bash
# Step 2: the container engine (moby-engine) and the IoT Edge runtime (aziot-edge) from Microsoft's
# package repository for this Ubuntu/Debian release, at pinned versions. Skips what is installed.
# Usage: install-runtime.sh <aziot-edge version> <moby-engine version|any> <preinstalled: true|false> <apt lock timeout s>
set -euo pipefail
EDGE_STEP="install"
# shellcheck source-path=SCRIPTDIR source=common.sh
[ -n "${EDGE_COMMON_LOADED:-}" ] || . "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Microsoft's repository configuration package for the detected release; fails on anything else.
microsoft_repo_url() {
  local os_id="$1" os_version="$2"
  case "$os_id:$os_version" in
    ubuntu:22.04 | ubuntu:24.04) printf 'https://packages.microsoft.com/config/ubuntu/%s/packages-microsoft-prod.deb' "$os_version" ;;
    debian:12) printf 'https://packages.microsoft.com/config/debian/12/packages-microsoft-prod.deb' ;;
    *) die "unsupported distribution $os_id $os_version: IoT Edge 1.6 supports Ubuntu 22.04/24.04 and Debian 12" ;;
  esac
}

# Prints the pid of a process holding dpkg's lock (POSIX locks, as apt and dpkg take them), or nothing.
dpkg_lock_holder() {
  local lock inode
  for lock in /var/lib/dpkg/lock-frontend /var/lib/dpkg/lock; do
    [ -e "$lock" ] || continue
    inode="$(stat -c %i "$lock")"
    # /proc/locks: "1: POSIX ADVISORY WRITE <pid> <maj>:<min>:<inode> 0 EOF" (waiters add a "->" field).
    awk -v inode="$inode" '{ for (i = 2; i <= NF; i++) if ($i ~ ":" inode "$") { print $(i - 1); exit } }' /proc/locks
  done | head -n 1
}

# Waits (bounded) until no other apt/dpkg run holds the lock, so the package state read next is
# not a half-configured one from cloud-init or unattended-upgrades. apt's own lock timeout does the
# waiting; an idle package manager costs nothing.
wait_for_package_manager() {
  local lock_timeout="$1" holder
  holder="$(dpkg_lock_holder)"
  if [ -z "$holder" ]; then
    log "package manager idle (no dpkg lock held)"
    return 0
  fi
  log "dpkg lock held by pid $holder ($(cat "/proc/$holder/comm" 2>/dev/null || echo unknown)); waiting for it (at most ${lock_timeout}s)"
  DEBIAN_FRONTEND=noninteractive apt-get -qq -o DPkg::Lock::Timeout="$lock_timeout" install -y >/dev/null \
    || die "the package manager stayed locked for ${lock_timeout}s (another apt/dpkg run: cloud-init or unattended-upgrades?)"
  log "package manager free again"
}

version_matches() {
  local installed="$1" wanted="$2"
  [ -n "$installed" ] && { [ "$wanted" = "any" ] || [ "$installed" = "$wanted" ]; }
}

apt_install() {
  local lock_timeout="$1" package="$2" version="$3" spec="$2"
  [ "$version" = "any" ] || spec="$package=$version"
  log "installing $spec"
  DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout="$lock_timeout" install -y --no-install-recommends "$spec" >&2
}

add_microsoft_repo() {
  local lock_timeout="$1" url deb
  local os_id os_version
  read -r os_id os_version < <(os_release)
  # Checked only when something must be installed: a pre-imaged host may run another release.
  url="$(microsoft_repo_url "$os_id" "$os_version")"
  if [ -f /etc/apt/sources.list.d/microsoft-prod.list ] || [ -f /etc/apt/sources.list.d/microsoft-prod.sources ]; then
    log "skipped: Microsoft package repository already configured"
  else
    deb="$(mktemp --suffix=.deb)"
    log "adding Microsoft package repository from $url"
    curl -fsSL --retry 5 -o "$deb" "$url" || wget -q -O "$deb" "$url" || die "could not download $url"
    DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout="$lock_timeout" install -y "$deb" >&2
    rm -f "$deb"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout="$lock_timeout" update >&2
}

main() {
  local edge_version="${1:?aziot-edge version}" moby_version="${2:?moby-engine version or any}"
  local preinstalled="${3:?preinstalled true|false}" lock_timeout="${4:?apt lock timeout seconds}"
  local have_edge have_moby did=()
  require_root
  read -r os_id os_version < <(os_release)
  log "host runs $os_id $os_version"
  wait_for_package_manager "$lock_timeout"
  have_moby="$(installed_version moby-engine)"
  have_edge="$(installed_version aziot-edge)"

  if [ "$preinstalled" = "true" ]; then
    if [ -z "$have_edge" ] || ! command -v iotedge >/dev/null 2>&1; then
      die "runtime.preinstalled is true but aziot-edge is not installed on this host; install it or set runtime.preinstalled to false"
    fi
    log "skipped: runtime.preinstalled is set (aziot-edge ${have_edge}, moby-engine ${have_moby:-not installed})"
    summary "skipped (preinstalled: aziot-edge $have_edge)"
    return 0
  fi

  if version_matches "$have_moby" "$moby_version" && version_matches "$have_edge" "$edge_version"; then
    log "skipped: moby-engine $have_moby and aziot-edge $have_edge already installed"
    summary "skipped (aziot-edge $have_edge, moby-engine $have_moby already installed)"
    return 0
  fi

  add_microsoft_repo "$lock_timeout"
  # moby-engine first: aziot-edge checks for a container runtime when it is configured.
  if version_matches "$have_moby" "$moby_version"; then
    log "skipped: moby-engine $have_moby already installed"
  else
    apt_install "$lock_timeout" moby-engine "$moby_version"
    did+=("moby-engine")
  fi
  if version_matches "$have_edge" "$edge_version"; then
    log "skipped: aziot-edge $have_edge already installed"
  else
    apt_install "$lock_timeout" aziot-edge "$edge_version"
    did+=("aziot-edge")
  fi
  summary "installed ${did[*]} (aziot-edge $(installed_version aziot-edge), moby-engine $(installed_version moby-engine))"
}

main "$@"
