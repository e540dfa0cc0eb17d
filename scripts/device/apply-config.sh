#!/usr/bin/env bash
# Step 5: `iotedge config apply`, then wait (bounded) until `iotedge system status` reports
# aziot-edged running (see runtime_healthy). Skips both when config.toml and the certificate files
# are exactly what was last applied and the runtime is healthy.
# Usage: apply-config.sh <health timeout seconds>
set -euo pipefail
EDGE_STEP="apply"
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

readonly APPLIED_MARK="$EDGE_STATE_DIR/applied.sha256"

# One hash over config.toml and every placed certificate/key file (content, owner, mode).
applied_fingerprint() {
  local name path owner mode
  {
    file_sha256 "$EDGE_CONFIG"
    for name in "${EDGE_FILE_NAMES[@]}"; do
      read -r path owner mode < <(target_of "$name")
      [ -f "$path" ] && printf '%s %s %s\n' "$path" "$(file_sha256 "$path")" "$(stat -c '%U:%G %a' "$path")"
    done
    true
  } | sha256sum | awk '{ print $1 }'
}

# Healthy: `iotedge system status` lists the aziot services, aziot-edged is Running, and each of
# the others is Running or Ready. "Ready" is systemd's "inactive" (aziot-identity-service
# aziotctl-common/src/system/status.rs): fine for the socket-activated identityd/keyd/certd/tpmd,
# which start on their first request, but a stopped aziot-edged runs no modules.
runtime_healthy() {
  local status
  status="$(timeout 30 iotedge system status 2>&1)" || return 1
  printf '%s\n' "$status" | awk '
    $1 ~ /^aziot-/ {
      services++; state = $0; sub(/^[ \t]*[^ \t]+[ \t]+/, "", state); sub(/[ \t]+$/, "", state)
      if ($1 == "aziot-edged") edged = (state == "Running")
      else if (state != "Running" && state != "Ready") bad++
    }
    END { exit !(services > 0 && edged && bad == 0) }'
}

wait_until_healthy() {
  local timeout_s="$1" start now
  start="$(date +%s)"
  until runtime_healthy; do
    now="$(date +%s)"
    if [ $((now - start)) -ge "$timeout_s" ]; then
      log "iotedge system status after ${timeout_s}s:"
      timeout 30 iotedge system status >&2 2>&1 || true
      die "the runtime did not become healthy within ${timeout_s}s; run 'iotedge check' and 'iotedge system logs' on the host"
    fi
    sleep 1
  done
  printf '%s' "$(($(date +%s) - start))"
}

main() {
  local timeout_s="${1:?health timeout seconds}" fingerprint output waited
  require_root
  command -v iotedge >/dev/null 2>&1 || die "iotedge is not installed (install part skipped or failed?)"
  [ -f "$EDGE_CONFIG" ] || die "$EDGE_CONFIG is missing (config part did not run?)"
  fingerprint="$(applied_fingerprint)"
  if [ -f "$APPLIED_MARK" ] && [ "$(cat "$APPLIED_MARK")" = "$fingerprint" ] && runtime_healthy; then
    log "skipped: config.toml and certificates unchanged since the last apply, runtime healthy"
    summary "skipped (unchanged since last apply, healthy)"
    return 0
  fi
  log "running iotedge config apply"
  if ! output="$(iotedge config apply 2>&1)"; then
    printf '%s\n' "$output" >&2
    die "iotedge config apply failed: $(printf '%s' "$output" | tail -n 5 | tr '\n' ' ')"
  fi
  printf '%s\n' "$output" | sed 's/^/  iotedge: /' >&2
  log "waiting until iotedge system status is healthy (at most ${timeout_s}s)"
  waited="$(wait_until_healthy "$timeout_s")"
  ensure_dir "$EDGE_STATE_DIR" root:root 0700
  printf '%s\n' "$fingerprint" | install_file_from_stdin "$APPLIED_MARK" root:root 0600 >/dev/null
  log "runtime healthy after ${waited}s"
  summary "applied (healthy after ${waited}s)"
}

main "$@"
