#!/usr/bin/env bash
# Step 4: /etc/aziot/config.toml (rendered by the component, read from stdin), written whole and
# atomically, root 600. Leaves an identical file alone.
# Usage: write-config.sh < config.toml
set -euo pipefail
EDGE_STEP="config"
# shellcheck source-path=SCRIPTDIR source=common.sh
[ -n "${EDGE_COMMON_LOADED:-}" ] || . "$(dirname "${BASH_SOURCE[0]}")/common.sh"

main() {
  local result
  require_root
  ensure_dir "$(dirname "$EDGE_CONFIG")" root:root 0755
  result="$(install_file_from_stdin "$EDGE_CONFIG" root:root 0600)"
  if [ "$result" = "changed" ]; then
    log "wrote $EDGE_CONFIG (sha256 $(file_sha256 "$EDGE_CONFIG"))"
    summary "changed $EDGE_CONFIG"
  else
    log "skipped: $EDGE_CONFIG unchanged"
    summary "unchanged $EDGE_CONFIG"
  fi
}

main "$@"
