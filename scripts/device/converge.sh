#!/usr/bin/env bash
# The bootstrap's `converge` step: its five parts in order, each its own script, each leaving alone
# what is already as wanted, so running it again (any change of the step's inputs) changes only
# what differs: wait for the host (1), install the runtime (2), place the certificates and keys
# read from stdin (3), write config.toml given as the last argument (4: not secret, so a preview
# shows its lines), apply it and wait until healthy (5). Stops at the first part that fails.
# Usage: converge.sh <cloud-init timeout s> <aziot-edge version> <aziot-identity-service version>
#          <moby-engine version|any> <preinstalled: true|false> <apt lock timeout s>
#          <health timeout s> <config.toml> < certificate payload
set -euo pipefail
EDGE_STEP="converge"
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

main() {
  [ "$#" -eq 8 ] || die "usage: converge.sh <cloud-init s> <aziot-edge> <aziot-identity-service> <moby-engine|any> <preinstalled> <apt lock s> <health s> <config.toml> < certificate payload"
  local here
  here="$(dirname "${BASH_SOURCE[0]}")"
  require_root
  bash "$here/wait-ready.sh" "$1" </dev/null
  bash "$here/install-runtime.sh" "$2" "$3" "$4" "$5" "$6" </dev/null
  bash "$here/place-certs.sh"
  printf '%s' "$8" | bash "$here/write-config.sh"
  bash "$here/apply-config.sh" "$7" </dev/null
}

main "$@"
