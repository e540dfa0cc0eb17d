#!/usr/bin/env bash
# Step 4: /etc/aziot/config.toml (rendered by the component, read from stdin), written whole and
# atomically, root 600. Leaves an identical file alone. Without a `hostname` (host.edgeHostname
# unset) it gets this host's own name. Refuses, before writing, a `hostname` that `iotedge check`
# would fail or warn about on this host.
# Usage: write-config.sh < config.toml
set -euo pipefail
EDGE_STEP="config"
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# The rule of `iotedge check` for config.toml's hostname (aziot-identity-service
# aziotctl/src/internal/check/checks/hostname.rs; is_rfc_1035_valid and check_length_for_local_issuer
# in aziotctl-common/src/lib.rs): an IP address, or the machine's host name or an FQDN whose first
# label is it (without case); RFC 1035 labels; at most 64 characters (certificate issuer).
check_hostname() {
  local name="$1" machine label='[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
  [ -n "$name" ] || die "config.toml has no hostname"
  if [[ "$name" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ || "$name" == *:* ]]; then
    log "hostname $name is an IP address"
    return 0
  fi
  machine="$(uname -n)"
  if [ "${name,,}" != "${machine,,}" ] && [[ "${name,,}" != "${machine,,}".* ]]; then
    die "hostname $name is not this host's name ($machine) nor a fully qualified name starting with it, so 'iotedge check' fails; set host.edgeHostname to $machine, an FQDN starting with it, or the host's IP address"
  fi
  [[ "$name" =~ ^$label(\.$label)*$ ]] ||
    die "hostname $name does not comply with RFC 1035 (labels of letters, digits and hyphens, starting with a letter), so 'iotedge check' warns and TLS from modules and downstream devices may fail; rename the host, or set host.edgeHostname to its IP address"
  [ "${#name}" -le 64 ] || die "hostname $name is ${#name} characters, too long to be a certificate issuer (at most 64; 'iotedge check' warns); set host.edgeHostname to the host's IP address"
}

# The config with its global `hostname`: as given, else this host's own name (gethostname, as
# `iotedge check` reads it), as the first key after the header comment (TOML puts a key written
# after a table header inside that table).
with_hostname() {
  local config="$1" machine
  if printf '%s' "$config" | sed '/^\[/,$d' | grep -q '^hostname = '; then
    printf '%s' "$config"
    return 0
  fi
  machine="$(uname -n)"
  log "hostname $machine: the host's own name (host.edgeHostname is not set)"
  printf '%s' "$config" | awk -v line="hostname = \"$machine\"" 'done || /^#/ { print; next } { print line; done = 1; print }'
}

main() {
  local result config
  require_root
  # Read whole (the trailing x keeps trailing newlines), to check it before anything is written.
  config="$(cat; printf x)"
  config="$(with_hostname "${config%x}"; printf x)"
  config="${config%x}"
  check_hostname "$(printf '%s' "$config" | sed -n 's/^hostname = "\(.*\)"$/\1/p;T;q')"
  ensure_dir "$(dirname "$EDGE_CONFIG")" root:root 0755
  result="$(printf '%s' "$config" | install_file_from_stdin "$EDGE_CONFIG" root:root 0600)"
  if [ "$result" = "changed" ]; then
    log "wrote $EDGE_CONFIG (sha256 $(file_sha256 "$EDGE_CONFIG"))"
    summary "changed $EDGE_CONFIG"
  else
    log "skipped: $EDGE_CONFIG unchanged"
    summary "unchanged $EDGE_CONFIG"
  fi
}

main "$@"
