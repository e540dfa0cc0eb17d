#!/usr/bin/env bash
# Step 1: the host is reachable (the SSH dial retries got us here); wait for cloud-init to finish
# where it is present, because a background cloud-init holding apt is the most reported failure.
# Usage: wait-ready.sh <cloud-init timeout seconds>
set -euo pipefail
EDGE_STEP="wait"
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

wait_for_cloud_init() {
  local timeout_s="$1" rc=0 status
  if ! command -v cloud-init >/dev/null 2>&1; then
    log "skipped: cloud-init is not installed on this host"
    printf 'not present'
    return 0
  fi
  log "waiting for cloud-init to finish (at most ${timeout_s}s)"
  timeout "$timeout_s" cloud-init status --wait >/dev/null 2>&1 || rc=$?
  status="$(cloud-init status 2>/dev/null | awk -F': ' '/^status:/ { print $2 }')"
  case "$rc" in
    0) log "cloud-init finished: ${status:-done}" ;;
    # cloud-init >= 23.4 exits 2 when it finished with recoverable errors: the host is usable.
    2) log "cloud-init finished with recoverable errors (status: ${status:-degraded}); continuing" ;;
    124) die "cloud-init still running after ${timeout_s}s (status: ${status:-unknown}); see /var/log/cloud-init-output.log on the host" ;;
    *) die "cloud-init failed (exit $rc, status: ${status:-unknown}); see /var/log/cloud-init-output.log on the host" ;;
  esac
  printf '%s' "${status:-done}"
}

main() {
  local timeout_s="${1:?cloud-init timeout seconds}" cloud_init machine
  require_root
  read -r os_id os_version < <(os_release)
  # The host's own name (gethostname, as `iotedge check` reads it): config.toml's hostname unless set.
  machine="$(uname -n)"
  log "connected to $machine ($os_id $os_version)"
  cloud_init="$(wait_for_cloud_init "$timeout_s")"
  summary "ready (cloud-init: $cloud_init; host name $machine)"
}

main "$@"
