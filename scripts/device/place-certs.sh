#!/usr/bin/env bash
# Step 3: the identity certificate and key, the edge CA and the trust bundle, with the owners and
# modes the runtime requires (certificates 644 aziotcs, keys 600 aziotks, directories 755 / 700).
# Each file is staged beside its target and renamed into place; unchanged files are left alone.
# Input on stdin (never argv: it carries private keys): a line per file naming its PEM blocks by
# number, "<name> <n>…", an empty line, then each distinct block once, in PEM, numbered from 1
# (components/bootstrap/deviceCommands.ts certificatePayload). Names: identity-cert identity-key
# edge-ca-cert edge-ca-key trust-bundle.
# Usage: place-certs.sh < payload
set -euo pipefail
EDGE_STEP="certs"
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

# Reads the payload into FILES ("<name> <n>…" each) and BLOCKS (the PEM blocks, in order).
read_payload() {
  local line block=""
  while IFS= read -r line && [ -n "$line" ]; do FILES+=("$line"); done
  while IFS= read -r line; do
    block+="$line"$'\n'
    case "$line" in "-----END "*)
      BLOCKS+=("$block")
      block=""
      ;;
    esac
  done
  [ -z "$block" ] || die "the certificate payload ends inside a PEM block"
}

main() {
  local entry words name n content path owner mode result changed=() unchanged=() removed=() seen=" "
  FILES=()
  BLOCKS=()
  require_root
  for user in aziotcs aziotks; do
    getent passwd "$user" >/dev/null || die "user $user does not exist: is aziot-edge installed?"
  done
  ensure_dir /var/aziot root:root 0755
  ensure_dir "$EDGE_CERT_DIR" aziotcs:aziotcs 0755
  ensure_dir "$EDGE_KEY_DIR" aziotks:aziotks 0700

  read_payload
  for entry in "${FILES[@]}"; do
    read -ra words <<<"$entry"
    name="${words[0]}"
    read -r path owner mode < <(target_of "$name") || die "unknown file name '$name' in the certificate payload"
    content=""
    for n in "${words[@]:1}"; do
      if ! [[ "$n" =~ ^[1-9][0-9]*$ && "$n" -le "${#BLOCKS[@]}" ]]; then
        die "$name names PEM block $n, which the certificate payload does not have"
      fi
      content+="${BLOCKS[n - 1]}"
    done
    [ -n "$content" ] || die "empty content for $name"
    result="$(printf '%s' "$content" | install_file_from_stdin "$path" "$owner" "$mode")"
    seen+="$name "
    if [ "$result" = "changed" ]; then changed+=("$name"); else unchanged+=("$name"); fi
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

  # One line each, not one a file: the state keeps what a step prints (the places are target_of's).
  [ "${#changed[@]}" -eq 0 ] || log "placed ${changed[*]} (certificates in $EDGE_CERT_DIR, aziotcs 0644; keys in $EDGE_KEY_DIR, aziotks 0600)"
  [ "${#unchanged[@]}" -eq 0 ] || log "skipped: ${unchanged[*]} unchanged"
  local parts=()
  [ "${#changed[@]}" -eq 0 ] || parts+=("changed ${changed[*]}")
  [ "${#removed[@]}" -eq 0 ] || parts+=("removed ${removed[*]}")
  [ "${#unchanged[@]}" -eq 0 ] || parts+=("unchanged ${unchanged[*]}")
  local joined="${parts[0]}" part
  for part in "${parts[@]:1}"; do joined+="; $part"; done
  summary "$joined"
}

main "$@"
