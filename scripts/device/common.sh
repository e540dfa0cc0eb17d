#!/usr/bin/env bash
# Shared helpers of the device bootstrap steps. Each step script sources it from beside itself
# (the bundle staged on the host, or a copy on disk).
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

# The runtime's two packages: aziot-edge depends on exactly one aziot-identity-service version
# (Azure/iotedge edgelet/contrib/debian/control), so both are pinned and installed together.
readonly RUNTIME_PACKAGES=(aziot-edge aziot-identity-service)

held_packages() {
  apt-mark showhold "${RUNTIME_PACKAGES[@]}" 2>/dev/null | sort | tr '\n' ' ' | sed 's/ $//'
}

# Every lock apt and dpkg take. dpkg's two are what DPkg::Lock::Timeout waits for; apt takes the
# lists lock (`update`) and the archives lock (`install`) without waiting (apt apt-pkg/acquire.cc
# pkgAcquire::GetLock: a non-blocking fcntl lock). On a fresh VM apt-daily often holds them.
readonly PACKAGE_LOCKS=(/var/lib/dpkg/lock-frontend /var/lib/dpkg/lock /var/cache/apt/archives/lock /var/lib/apt/lists/lock)

# Prints "<pid> <lock>" of a process holding one of them (POSIX locks, as apt and dpkg take them), or nothing.
package_lock_holder() {
  local lock inode pid
  for lock in "${PACKAGE_LOCKS[@]}"; do
    [ -e "$lock" ] || continue
    inode="$(stat -c %i "$lock")"
    # /proc/locks: "1: POSIX ADVISORY WRITE <pid> <maj>:<min>:<inode> 0 EOF" (waiters add a "->" field).
    pid="$(awk -v inode="$inode" '{ for (i = 2; i <= NF; i++) if ($i ~ ":" inode "$") { print $(i - 1); exit } }' /proc/locks)"
    if [ -n "$pid" ]; then
      printf '%s %s\n' "$pid" "$lock"
      return 0
    fi
  done
}

# Waits (bounded) until no other apt/dpkg run holds any of the locks, so the package state read
# next is not a half-configured one and apt does not fail on a lock it would not wait for. Says
# who held which lock, and how long it waited.
wait_for_package_manager() {
  local lock_timeout="$1" start holder pid lock said=""
  start="$(date +%s)"
  while holder="$(package_lock_holder)" && [ -n "$holder" ]; do
    read -r pid lock <<<"$holder"
    if [ "$holder" != "$said" ]; then
      log "$lock held by pid $pid ($(cat "/proc/$pid/comm" 2>/dev/null || echo unknown)); waiting for it (at most ${lock_timeout}s)"
      said="$holder"
    fi
    if [ $(($(date +%s) - start)) -ge "$lock_timeout" ]; then
      die "the package manager stayed locked for ${lock_timeout}s: $lock held by pid $pid (another apt/dpkg run: cloud-init or unattended-upgrades?)"
    fi
    sleep 1
  done
  [ -z "$said" ] || log "package manager free again after $(($(date +%s) - start))s"
}

# apt-get after waiting for every lock. Retried with backoff (2, 4, 8, 16 s) when another run took
# a lock in between (apt does not wait for the lists and archives locks), and `update` also on any
# other failure (a repository's brief outage).
apt_get() {
  local lock_timeout="$1" attempt=1 delay=2 output rc
  shift
  while :; do
    wait_for_package_manager "$lock_timeout"
    rc=0
    output="$(DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout="$lock_timeout" "$@" 2>&1)" || rc=$?
    if [ "$rc" -eq 0 ]; then
      # The state keeps what a step prints: of a run that worked, only the packages it set up. Without
      # the \r dpkg's lines end in: apt gives dpkg a pseudo-terminal (Dpkg::Use-Pty, on by default).
      grep '^Setting up ' <<<"$output" | sed 's/\r$//; s/^/  apt: /' >&2 || true
      return 0
    fi
    printf '%s\n' "$output" >&2
    if [ "$attempt" -ge 5 ] || { [ "$1" != "update" ] && ! grep -q 'Could not get lock' <<<"$output"; }; then
      return "$rc"
    fi
    log "apt-get $1 failed (attempt $attempt of 5); retrying in ${delay}s"
    sleep "$delay"
    attempt=$((attempt + 1))
    delay=$((delay * 2))
  done
}
