#!/usr/bin/env bash
# Step 2: the container engine (moby-engine) and the IoT Edge runtime (aziot-edge with the
# aziot-identity-service it depends on) from Microsoft's package repository for this Ubuntu/Debian
# release, at pinned versions, held there. Skips what is installed.
# Usage: install-runtime.sh <aziot-edge version> <aziot-identity-service version> <moby-engine version|any>
#          <preinstalled: true|false> <apt lock timeout s>
set -euo pipefail
EDGE_STEP="install"
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Microsoft's repository configuration package for the detected release; fails on anything else.
microsoft_repo_url() {
  local os_id="$1" os_version="$2"
  case "$os_id:$os_version" in
    ubuntu:22.04 | ubuntu:24.04) printf 'https://packages.microsoft.com/config/ubuntu/%s/packages-microsoft-prod.deb' "$os_version" ;;
    debian:12) printf 'https://packages.microsoft.com/config/debian/12/packages-microsoft-prod.deb' ;;
    *) die "unsupported distribution $os_id $os_version: IoT Edge 1.6 supports Ubuntu 22.04/24.04 and Debian 12" ;;
  esac
}

version_matches() {
  local installed="$1" wanted="$2"
  [ -n "$installed" ] && { [ "$wanted" = "any" ] || [ "$installed" = "$wanted" ]; }
}

# Installs package specs ("name" or "name=version"); a pinned version may be a downgrade.
apt_install() {
  local lock_timeout="$1"
  shift
  log "installing $*"
  apt_get "$lock_timeout" install -y --no-install-recommends --allow-downgrades "$@"
}

# Holds both against unattended-upgrades and a stray `apt upgrade`: a newer identity service
# alone would break aziot-edge's exact dependency.
hold_runtime_packages() {
  local lock_timeout="$1"
  if [ "$(held_packages)" = "${RUNTIME_PACKAGES[*]}" ]; then
    log "skipped: ${RUNTIME_PACKAGES[*]} already held"
    return 0
  fi
  wait_for_package_manager "$lock_timeout"
  apt-mark hold "${RUNTIME_PACKAGES[@]}" >/dev/null
  log "held ${RUNTIME_PACKAGES[*]} at their installed versions (apt-mark hold)"
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
    apt_get "$lock_timeout" install -y "$deb"
    rm -f "$deb"
  fi
  apt_get "$lock_timeout" update
}

main() {
  local edge_version="${1:?aziot-edge version}" identity_version="${2:?aziot-identity-service version}"
  local moby_version="${3:?moby-engine version or any}" preinstalled="${4:?preinstalled true|false}"
  local lock_timeout="${5:?apt lock timeout seconds}"
  local have_edge have_identity have_moby held moby_spec="moby-engine" did=()
  require_root
  read -r os_id os_version < <(os_release)
  log "host runs $os_id $os_version"
  wait_for_package_manager "$lock_timeout"
  have_moby="$(installed_version moby-engine)"
  have_edge="$(installed_version aziot-edge)"
  have_identity="$(installed_version aziot-identity-service)"

  if [ "$preinstalled" = "true" ]; then
    if [ -z "$have_edge" ] || ! command -v iotedge >/dev/null 2>&1; then
      die "runtime.preinstalled is true but aziot-edge is not installed on this host; install it or set runtime.preinstalled to false"
    fi
    log "skipped: runtime.preinstalled is set (aziot-edge ${have_edge}, aziot-identity-service ${have_identity:-not installed}, moby-engine ${have_moby:-not installed}); package holds left as they are"
    summary "skipped (preinstalled: aziot-edge $have_edge)"
    return 0
  fi

  if version_matches "$have_moby" "$moby_version" && version_matches "$have_edge" "$edge_version" && version_matches "$have_identity" "$identity_version"; then
    log "skipped: moby-engine $have_moby, aziot-edge $have_edge and aziot-identity-service $have_identity already installed"
    hold_runtime_packages "$lock_timeout"
    summary "skipped (aziot-edge $have_edge, aziot-identity-service $have_identity, moby-engine $have_moby already installed)"
    return 0
  fi

  add_microsoft_repo "$lock_timeout"
  # moby-engine first: aziot-edge checks for a container runtime when it is configured.
  if version_matches "$have_moby" "$moby_version"; then
    log "skipped: moby-engine $have_moby already installed"
  else
    [ "$moby_version" = "any" ] || moby_spec="moby-engine=$moby_version"
    apt_install "$lock_timeout" "$moby_spec"
    did+=("moby-engine")
  fi
  if version_matches "$have_edge" "$edge_version" && version_matches "$have_identity" "$identity_version"; then
    log "skipped: aziot-edge $have_edge and aziot-identity-service $have_identity already installed"
  else
    held="$(held_packages)"
    if [ -n "$held" ]; then
      # An intended change of version: the hold is released for it and set again below.
      apt-mark unhold "${RUNTIME_PACKAGES[@]}" >&2
      log "released the hold on $held for the pinned versions"
    fi
    # One command, so apt resolves aziot-edge's exact dependency against the pinned identity service.
    apt_install "$lock_timeout" "aziot-edge=$edge_version" "aziot-identity-service=$identity_version"
    did+=("aziot-edge" "aziot-identity-service")
  fi
  hold_runtime_packages "$lock_timeout"
  summary "installed ${did[*]} (aziot-edge $(installed_version aziot-edge), aziot-identity-service $(installed_version aziot-identity-service), moby-engine $(installed_version moby-engine))"
}

main "$@"
