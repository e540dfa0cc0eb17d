#!/usr/bin/env bash
# Destroy of an existing (physical) host: stop the runtime, remove the module containers edgeAgent
# created, and what the bootstrap put there and the runtime derived from it (config.toml, the files
# `iotedge config apply` wrote, certificates, keys, the keys and certificates keyd and certd keep,
# its own state, the staged device scripts). Installed packages stay, unless runtime.purgeOnDestroy
# asks to purge the runtime's.
# Every command is bounded so a destroy never hangs on the device.
# Usage: cleanup.sh remove                              (the cleanup step's delete)
#        cleanup.sh remove purge <apt lock timeout s>   (the same, with runtime.purgeOnDestroy)
set -euo pipefail
EDGE_STEP="cleanup"
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# The label edgeAgent (and aziot-edged, for edgeAgent itself) puts on every module container
# (Azure/iotedge edgelet/edgelet-docker/src/runtime.rs); `iotedge config apply` names the same
# filter when a host name change needs the modules removed (edgelet/iotedge/src/config/apply.rs).
readonly EDGE_AGENT_LABEL="net.azure-devices.edge.owner=Microsoft.Azure.Devices.Edge.Agent"
# Where keyd and certd keep the keys and certificates they derive (the edge CA's, edgeHub's server
# certificate and key, the master encryption key): aziotctl-common's homedir paths.
readonly AZIOT_DERIVED_DIRS=(/var/lib/aziot/keyd /var/lib/aziot/certd)

remove_module_containers() {
  local ids
  containers="none"
  if ! command -v docker >/dev/null 2>&1; then
    log "skipped: docker is not installed, so there are no module containers"
    return 0
  fi
  if ! ids="$(timeout 60 docker ps -aq --filter "label=$EDGE_AGENT_LABEL")"; then
    containers="left (docker ps failed)"
    log "warning: docker ps failed; the module containers (label $EDGE_AGENT_LABEL) are left"
    return 0
  fi
  [ -n "$ids" ] || return 0
  # shellcheck disable=SC2086 # one argument per container id
  if timeout 120 docker rm -f $ids >/dev/null; then
    containers="$(wc -w <<<"$ids") removed"
    log "removed the module containers edgeAgent created: $(tr '\n' ' ' <<<"$ids")(label $EDGE_AGENT_LABEL)"
  else
    containers="left (docker rm failed)"
    log "warning: docker rm failed; the module containers (label $EDGE_AGENT_LABEL) are left"
  fi
}

remove_derived_material() {
  local dir path
  for dir in "${AZIOT_DERIVED_DIRS[@]}"; do
    [ -d "$dir" ] || continue
    while IFS= read -r -d '' path; do remove_file "$path"; done < <(find "$dir" -mindepth 1 ! -type d -print0)
    find "$dir" -mindepth 1 -type d -empty -delete
  done
}

# runtime.purgeOnDestroy: aziot-edge and aziot-identity-service, the packages the install step put
# there (validation refuses the setting with runtime.preinstalled), released from their hold (apt
# refuses to remove a held package) and purged with their configuration. moby-engine stays: the
# install step skips it when the host already has it, so the host cannot tell whether the bootstrap
# installed it, and other containers may run on it. Counts a removed package whose configuration
# files remain ("deinstall ok config-files") as present: purge removes those too.
purge_runtime_packages() {
  local lock_timeout="$1" name status present=()
  wait_for_package_manager "$lock_timeout"
  for name in "${RUNTIME_PACKAGES[@]}"; do
    status="$(dpkg-query -W -f='${Status}' "$name" 2>/dev/null || true)"
    if [ -n "$status" ] && [ "${status##* }" != "not-installed" ]; then present+=("$name"); fi
  done
  if [ "${#present[@]}" -eq 0 ]; then
    packages="none to purge"
    log "skipped: ${RUNTIME_PACKAGES[*]} not installed, nothing to purge"
    return 0
  fi
  apt-mark unhold "${present[@]}" >&2
  apt_get "$lock_timeout" purge -y "${present[@]}"
  packages="purged ${present[*]}"
  log "purged ${present[*]} (runtime.purgeOnDestroy); moby-engine left installed"
}

remove_file() {
  if [ -e "$1" ]; then
    rm -f "$1"
    log "removed $1"
    removed=$((removed + 1))
  fi
}

remove() {
  local purge="${1:-}" lock_timeout="${2:-}" name path owner mode dir stopped="not installed"
  [ -z "$purge" ] || [ "$purge" = "purge" ] || die "usage: cleanup.sh remove [purge <apt lock timeout s>]"
  removed=0
  containers="none"
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
  remove_module_containers
  remove_file "$EDGE_CONFIG"
  for path in "${EDGE_APPLIED_CONFIGS[@]}"; do remove_file "$path"; done
  for name in "${EDGE_FILE_NAMES[@]}"; do
    read -r path owner mode < <(target_of "$name")
    remove_file "$path"
  done
  remove_derived_material
  for dir in "$EDGE_CERT_DIR" "$EDGE_KEY_DIR"; do
    if [ -d "$dir" ] && rmdir "$dir" 2>/dev/null; then log "removed empty $dir"; fi
  done
  if [ -d "$EDGE_STATE_DIR" ]; then
    # A mount point cannot be removed, only emptied.
    rm -rf "$EDGE_STATE_DIR" 2>/dev/null || rm -rf "${EDGE_STATE_DIR:?}"/*
    log "removed $EDGE_STATE_DIR"
  fi
  local done_text
  if [ "$purge" = "purge" ]; then
    purge_runtime_packages "${lock_timeout:?apt lock timeout seconds}"
    done_text="removed $removed files (runtime: $stopped; module containers: $containers; packages: $packages)"
  else
    log "skipped: the runtime's packages stay installed (runtime.purgeOnDestroy is not set)"
    done_text="removed $removed files (runtime: $stopped; module containers: $containers)"
  fi
  remove_staged_scripts
  summary "$done_text"
}

# The device scripts the bootstrap staged in the SSH user's home (the runner of the steps names the
# folder in EDGE_STAGED): last, so a cleanup that failed before can run again from them.
remove_staged_scripts() {
  if [ -n "${EDGE_STAGED:-}" ] && [ -d "$EDGE_STAGED" ]; then
    rm -rf "$EDGE_STAGED"
    log "removed the staged device scripts ($EDGE_STAGED)"
  fi
}

main() {
  require_root
  case "${1:-}" in
    remove) remove "${@:2}" ;;
    *) die "usage: cleanup.sh remove [purge <apt lock timeout s>]" ;;
  esac
}

main "$@"
