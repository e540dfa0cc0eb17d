#!/usr/bin/env bash
# Destroy of an existing (physical) host: stop the runtime and remove what the bootstrap put there
# (config.toml, the files `iotedge config apply` derived from it, certificates, keys, its own state).
# Installed packages stay. Every command is bounded so a destroy never hangs on the device.
# Usage: cleanup.sh register   (create: records that this host is managed)
#        cleanup.sh remove     (delete)
set -euo pipefail
EDGE_STEP="cleanup"
# shellcheck source-path=SCRIPTDIR source=common.sh
[ -n "${EDGE_COMMON_LOADED:-}" ] || . "$(dirname "${BASH_SOURCE[0]}")/common.sh"

register() {
  local result
  ensure_dir "$EDGE_STATE_DIR" root:root 0700
  result="$(printf 'managed by edge-bootstrap; cleanup.sh remove undoes it\n' \
    | install_file_from_stdin "$EDGE_STATE_DIR/managed" root:root 0600)"
  if [ "$result" = "changed" ]; then
    log "recorded $EDGE_STATE_DIR/managed"
    summary "registered"
  else
    log "skipped: $EDGE_STATE_DIR/managed already recorded"
    summary "unchanged (already registered)"
  fi
}

remove_file() {
  if [ -e "$1" ]; then
    rm -f "$1"
    log "removed $1"
    removed=$((removed + 1))
  fi
}

remove() {
  local name path owner mode dir stopped="not installed"
  removed=0
  if command -v iotedge >/dev/null 2>&1; then
    if timeout 120 iotedge system stop >&2 2>&1; then
      stopped="stopped"
      log "stopped the IoT Edge runtime"
    else
      stopped="stop failed"
      log "warning: iotedge system stop failed; removing the files anyway"
    fi
  else
    log "skipped: iotedge is not installed, nothing to stop"
  fi
  remove_file "$EDGE_CONFIG"
  for path in "${EDGE_APPLIED_CONFIGS[@]}"; do remove_file "$path"; done
  for name in "${EDGE_FILE_NAMES[@]}"; do
    read -r path owner mode < <(target_of "$name")
    remove_file "$path"
  done
  for dir in "$EDGE_CERT_DIR" "$EDGE_KEY_DIR"; do
    if [ -d "$dir" ] && rmdir "$dir" 2>/dev/null; then log "removed empty $dir"; fi
  done
  if [ -d "$EDGE_STATE_DIR" ]; then
    # A mount point cannot be removed, only emptied.
    rm -rf "$EDGE_STATE_DIR" 2>/dev/null || rm -rf "${EDGE_STATE_DIR:?}"/*
    log "removed $EDGE_STATE_DIR"
  fi
  summary "removed $removed files (runtime: $stopped)"
}

main() {
  require_root
  case "${1:-}" in
    register) register ;;
    remove) remove ;;
    *) die "usage: cleanup.sh register|remove" ;;
  esac
}

main "$@"
