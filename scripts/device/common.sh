#!/usr/bin/env bash
# Shared helpers of the device bootstrap steps. The component sends this file followed by one
# step script as a single `bash -c` program; a step script run from a copy on disk sources it.
# Defines functions and read-only paths only: nothing runs here.
# The paths are used by the step scripts that include this file.
# shellcheck disable=SC2034

# Where the bootstrap puts things (keep in step with components/bootstrap/devicePaths.ts).
readonly EDGE_CERT_DIR=/var/aziot/certs
readonly EDGE_KEY_DIR=/var/aziot/secrets
readonly EDGE_CONFIG=/etc/aziot/config.toml
readonly EDGE_STATE_DIR=/var/lib/edge-bootstrap
# Files `iotedge config apply` writes from config.toml: removed again on cleanup.
readonly EDGE_APPLIED_CONFIGS=(
  /etc/aziot/keyd/config.d/00-super.toml
  /etc/aziot/certd/config.d/00-super.toml
  /etc/aziot/identityd/config.d/00-super.toml
  /etc/aziot/tpmd/config.d/00-super.toml
  /etc/aziot/edged/config.d/00-super.toml
)
# The certificate and key files the bootstrap places: "<path> <owner> <mode>" of a payload name.
target_of() {
  case "$1" in
    identity-cert) printf '%s aziotcs:aziotcs 0644\n' "$EDGE_CERT_DIR/device-identity.cert.pem" ;;
    identity-key) printf '%s aziotks:aziotks 0600\n' "$EDGE_KEY_DIR/device-identity.key.pem" ;;
    edge-ca-cert) printf '%s aziotcs:aziotcs 0644\n' "$EDGE_CERT_DIR/edge-ca.cert.pem" ;;
    edge-ca-key) printf '%s aziotks:aziotks 0600\n' "$EDGE_KEY_DIR/edge-ca.key.pem" ;;
    trust-bundle) printf '%s aziotcs:aziotcs 0644\n' "$EDGE_CERT_DIR/trust-bundle.cert.pem" ;;
    *) return 1 ;;
  esac
}

readonly EDGE_FILE_NAMES=(identity-cert identity-key edge-ca-cert edge-ca-key trust-bundle)

EDGE_COMMON_LOADED=1

# Progress goes to stderr with a prefix naming the step; stdout carries only the step's summary line.
log() { printf 'edge-bootstrap[%s]: %s\n' "${EDGE_STEP:-?}" "$*" >&2; }
die() { log "error: $*"; exit 1; }
summary() { printf '%s: %s\n' "${EDGE_STEP:-?}" "$*"; }

require_root() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (the component runs steps through sudo -n when the SSH user is not root)"
}

# Prints "<id> <version_id>" from /etc/os-release, e.g. "ubuntu 22.04".
os_release() {
  local id="" version_id=""
  [ -r /etc/os-release ] || die "/etc/os-release not found: cannot detect the distribution"
  # shellcheck disable=SC1091
  id="$(. /etc/os-release && printf '%s' "${ID:-}")"
  # shellcheck disable=SC1091
  version_id="$(. /etc/os-release && printf '%s' "${VERSION_ID:-}")"
  printf '%s %s\n' "$id" "$version_id"
}

# Installed version of a package (held or not: a held one's status starts with "hold"), empty when it is not installed.
installed_version() {
  # dpkg-query fails for a package it has never heard of: that is "not installed", not an error.
  { dpkg-query -W -f='${Status} ${Version}\n' "$1" 2>/dev/null || true; } | awk '($1 == "install" || $1 == "hold") && $3 == "installed" { print $4 }'
}

# sha256 of a file, empty when it does not exist.
file_sha256() {
  [ -f "$1" ] || return 0
  sha256sum "$1" | awk '{ print $1 }'
}

# Creates or corrects a directory's owner and mode; says when it changed something.
ensure_dir() {
  local dir="$1" owner="$2" mode="$3"
  if [ ! -d "$dir" ]; then
    install -d -o "${owner%%:*}" -g "${owner##*:}" -m "$mode" "$dir"
    log "created $dir ($owner $mode)"
    return 0
  fi
  if [ "$(stat -c '%U:%G %a' "$dir")" != "$owner ${mode#0}" ]; then
    chown "$owner" "$dir"
    chmod "$mode" "$dir"
    log "corrected owner/mode of $dir to $owner $mode"
  fi
}

# Writes stdin to <path> atomically with the given owner and mode: the content is staged beside the
# target (same file system), owner and mode are set before the rename, so no reader ever sees a
# partial file or a key with the wrong mode. Prints "changed" or "unchanged".
install_file_from_stdin() {
  local path="$1" owner="$2" mode="$3" staged
  staged="$(umask 077 && mktemp "$(dirname "$path")/.$(basename "$path").XXXXXX")"
  cat >"$staged"
  chown "$owner" "$staged"
  chmod "$mode" "$staged"
  if [ -f "$path" ] && cmp -s "$staged" "$path" && [ "$(stat -c '%U:%G %a' "$path")" = "$owner ${mode#0}" ]; then
    rm -f "$staged"
    printf 'unchanged\n'
    return 0
  fi
  mv -f "$staged" "$path"
  printf 'changed\n'
}
