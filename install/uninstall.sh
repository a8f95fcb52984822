#!/usr/bin/env bash
# Removes what install.sh installed: the service, the program and the `epq` command. The
# quarantine (state), the config and the logs stay unless --purge: quarantined files are
# people's files, and a reinstall picks them up again.
set -euo pipefail
# shellcheck disable=SC2034 # used by the messages of install-lib.sh
EPQ_SCRIPT=uninstall.sh
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=install-lib.sh disable=SC2153 # PREFIX and the paths come from set_paths
. "$HERE/install-lib.sh"

usage() {
  cat <<'EOF'
Usage: uninstall.sh [--prefix DIR] [--purge]
  --prefix DIR   program folder given to install.sh (default /opt/epq)
  --purge        also delete the quarantine and state (/var/lib/epq), the config (/etc/epq)
                 and the logs (/var/log/epq); quarantined files are then lost for good
Environment:
  DESTDIR=DIR    remove a staged install under DIR (no root needed)
EOF
}

parse_args() {
  local prefix=/opt/epq
  PURGE=no
  while [ $# -gt 0 ]; do
    case $1 in
      --prefix) [ $# -ge 2 ] || die "--prefix needs a folder"; prefix=$2; shift 2 ;;
      --prefix=*) prefix=${1#--prefix=}; shift ;;
      --purge) PURGE=yes; shift ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; die "unknown argument '$1'" ;;
    esac
  done
  set_paths "$prefix"
}

# Stops the agent first, so that nothing runs from a folder being deleted.
stop_service() {
  if [ -n "$DEST" ] || ! systemd_running; then return 0; fi
  if systemctl list-unit-files "$EPQ_UNIT_NAME" >/dev/null 2>&1; then
    systemctl disable --now --quiet "$EPQ_UNIT_NAME" || warn "could not stop $EPQ_UNIT_NAME"
  fi
}

remove_unit() {
  if [ -e "$UNIT_FILE" ]; then
    rm -f "$UNIT_FILE"
    say "removed    $UNIT_FILE"
    if [ -z "$DEST" ] && systemd_running; then systemctl daemon-reload; fi
  fi
}

# Only our own link goes: an `epq` from elsewhere on the PATH is not ours to remove.
remove_path_link() {
  if [ -L "$PATH_LINK" ] && [ "$(readlink "$PATH_LINK")" = "$PREFIX/bin/epq" ]; then
    rm -f "$PATH_LINK"
    say "removed    $PATH_LINK"
  elif [ -e "$PATH_LINK" ]; then
    warn "$PATH_LINK does not point to $PREFIX/bin/epq; left alone"
  fi
}

# The man page and the bash completion install.sh put next to the command.
remove_docs() {
  local f
  for f in "$MAN_PAGE" "$BASH_COMPLETION"; do
    if [ -f "$f" ]; then
      rm -f "$f"
      say "removed    $f"
    fi
  done
}

remove_program() {
  if [ ! -e "$PROGRAM_DIR" ]; then
    say "absent     $PROGRAM_DIR"
  elif is_epq_folder "$PROGRAM_DIR"; then
    rm -rf "$PROGRAM_DIR"
    say "removed    $PROGRAM_DIR"
  else
    die "$PROGRAM_DIR does not hold epq; not removing it (wrong --prefix?)"
  fi
}

# The protected folder holds people's files: it goes only when empty, even with --purge.
purge_data() {
  local dir
  if [ "$PURGE" = no ]; then
    say "kept       $CONFIG_DIR, $STATE_DIR (quarantine), $LOG_DIR; --purge deletes them"
    return 0
  fi
  for dir in "$STATE_DIR" "$CONFIG_DIR" "$LOG_DIR"; do
    if [ -e "$dir" ]; then
      rm -rf "$dir"
      say "removed    $dir"
    fi
  done
  if [ -d "$PROTECTED_DIR" ]; then
    if rmdir "$PROTECTED_DIR" 2>/dev/null; then say "removed    $PROTECTED_DIR"; else say "kept       $PROTECTED_DIR (not empty)"; fi
  fi
}

main() {
  parse_args "$@"
  require_root_or_destdir
  stop_service
  remove_unit
  remove_path_link
  remove_docs
  remove_program
  purge_data
}

main "$@"
