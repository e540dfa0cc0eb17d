#!/usr/bin/env bash
# Step 3: the identity certificate and key, the edge CA and the trust bundle, with the owners and
# modes the runtime requires (certificates 644 aziotcs, keys 600 aziotks, directories 755 / 700).
# Each file is staged beside its target and renamed into place; unchanged files are left alone.
# Input on stdin (never argv: it carries private keys), one file a line: "<name> <base64 of PEM>",
# names: identity-cert identity-key edge-ca-cert edge-ca-key trust-bundle.
# Usage: place-certs.sh < payload
set -euo pipefail
EDGE_STEP="certs"
# shellcheck source-path=SCRIPTDIR source=common.sh
[ -n "${EDGE_COMMON_LOADED:-}" ] || . "$(dirname "${BASH_SOURCE[0]}")/common.sh"

main() {
  local name b64 path owner mode result changed=() unchanged=() removed=() seen=" "
  require_root
  for user in aziotcs aziotks; do
    getent passwd "$user" >/dev/null || die "user $user does not exist: is aziot-edge installed?"
  done
  ensure_dir /var/aziot root:root 0755
  ensure_dir "$EDGE_CERT_DIR" aziotcs:aziotcs 0755
  ensure_dir "$EDGE_KEY_DIR" aziotks:aziotks 0700

  while read -r name b64; do
    [ -n "$name" ] || continue
    read -r path owner mode < <(target_of "$name") || die "unknown file name '$name' in the certificate payload"
    [ -n "$b64" ] || die "empty content for $name"
    result="$(printf '%s' "$b64" | base64 -d | install_file_from_stdin "$path" "$owner" "$mode")"
    seen+="$name "
    if [ "$result" = "changed" ]; then
      log "placed $name at $path ($owner $mode)"
      changed+=("$name")
    else
      log "skipped: $name unchanged at $path"
      unchanged+=("$name")
    fi
  done

  case "$seen" in *" identity-cert "*) ;; *) die "the payload has no identity-cert" ;; esac
  case "$seen" in *" identity-key "*) ;; *) die "the payload has no identity-key" ;; esac
  for name in "${EDGE_FILE_NAMES[@]}"; do
    case "$seen" in *" $name "*) continue ;; esac
    read -r path owner mode < <(target_of "$name")
    if [ -e "$path" ]; then
      rm -f "$path"
      log "removed $name ($path): no longer configured"
      removed+=("$name")
    fi
  done

  local parts=()
  [ "${#changed[@]}" -eq 0 ] || parts+=("changed ${changed[*]}")
  [ "${#removed[@]}" -eq 0 ] || parts+=("removed ${removed[*]}")
  [ "${#unchanged[@]}" -eq 0 ] || parts+=("unchanged ${unchanged[*]}")
  local joined="${parts[0]}" part
  for part in "${parts[@]:1}"; do joined+="; $part"; done
  summary "$joined"
}

main "$@"
