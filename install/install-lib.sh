# shellcheck shell=bash
# Shared by install.sh and uninstall.sh (sourced, never run): messages, the paths both scripts
# agree on, and the checks that guard them.
# The variables set here are read by the scripts that source this file:
# shellcheck disable=SC2034

# The oldest Node.js epq supports (package.json "engines").
readonly EPQ_NODE_MIN_MAJOR=20
readonly EPQ_NODE_MIN_MINOR=19
readonly EPQ_UNIT_NAME=epq-agent.service

say() { printf '%s\n' "$*"; }
warn() { printf '%s: warning: %s\n' "$EPQ_SCRIPT" "$*" >&2; }
die() {
  printf '%s: %s\n' "$EPQ_SCRIPT" "$*" >&2
  exit 1
}

# Sets the paths of an installation under $DESTDIR (empty = this machine). The system folders
# are fixed (the unit and the CLI look there); only the program's prefix moves.
set_paths() {
  local prefix=$1
  case $prefix in
    /*) ;;
    *) die "--prefix must be an absolute path (got '$prefix')" ;;
  esac
  prefix=${prefix%/}
  [ -n "$prefix" ] || die "--prefix / would spread the program over the root folder; choose a folder of its own such as /opt/epq"
  PREFIX=$prefix
  DEST=${DESTDIR:-}
  DEST=${DEST%/}
  PROGRAM_DIR=$DEST$PREFIX
  CONFIG_DIR=$DEST/etc/epq
  CONFIG_FILE=$CONFIG_DIR/agent.json
  STATE_DIR=$DEST/var/lib/epq
  LOG_DIR=$DEST/var/log/epq
  UNIT_FILE=$DEST/etc/systemd/system/$EPQ_UNIT_NAME
  PATH_LINK=$DEST/usr/local/bin/epq
  MAN_PAGE=$DEST/usr/local/share/man/man1/epq.1
  BASH_COMPLETION=$DEST/usr/local/share/bash-completion/completions/epq
  PROTECTED_DIR=$DEST/srv/epq-protected
}

# Writing system folders needs root; a staged install (DESTDIR) only needs write access there,
# so that it can be built and tried by anyone, e.g. when packaging or testing.
require_root_or_destdir() {
  local uid
  uid=$(id -u)
  [ -n "${DESTDIR:-}" ] && return 0
  [ "$uid" -eq 0 ] && return 0
  die "must run as root: it writes /etc/epq, /var/lib/epq, /etc/systemd/system and the program folder (running as uid $uid). Use sudo, or set DESTDIR=/some/folder to stage the install there without root."
}

# True when the program folder holds epq (its package.json), so that a wrong --prefix such as
# /usr/local is never replaced or removed.
is_epq_folder() {
  [ -f "$1/package.json" ] && grep -q '"name": *"epq"' "$1/package.json"
}

# True when systemd manages this machine (the documented test of sd_booted(3)).
systemd_running() {
  [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1
}
