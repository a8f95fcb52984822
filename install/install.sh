#!/usr/bin/env bash
# Installs epq from this (built) checkout: the program under a prefix, a default config, the
# state and log folders, the systemd unit and the `epq` command. Running it again changes
# nothing unless the program changed. See usage below.
set -euo pipefail
# shellcheck disable=SC2034 # used by the messages of install-lib.sh
EPQ_SCRIPT=install.sh
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(dirname "$HERE")
# shellcheck source=install-lib.sh disable=SC2153 # PREFIX and the paths come from set_paths
. "$HERE/install-lib.sh"

usage() {
  cat <<'EOF'
Usage: install.sh [--prefix DIR] [--no-start]
  --prefix DIR   program folder (default /opt/epq)
  --no-start     install, but do not enable or start epq-agent.service
Environment:
  DESTDIR=DIR    stage the whole install under DIR (no root needed, nothing started)
  NODE=PATH      the Node.js to install for (default: `node` on the PATH); >= 20.19
The checkout must be built first: `npm ci` in it.
EOF
}

parse_args() {
  local prefix=/opt/epq
  START=yes
  while [ $# -gt 0 ]; do
    case $1 in
      --prefix) [ $# -ge 2 ] || die "--prefix needs a folder"; prefix=$2; shift 2 ;;
      --prefix=*) prefix=${1#--prefix=}; shift ;;
      --no-start) START=no; shift ;;
      -h|--help) usage; exit 0 ;;
      *) usage >&2; die "unknown argument '$1'" ;;
    esac
  done
  set_paths "$prefix"
}

# Sets NODE_BIN to a Node.js >= 20.19 (the service runs this very binary), or stops saying
# which version it found.
find_node() {
  local version major minor
  NODE_BIN=${NODE:-$(command -v node || true)}
  if [ -z "$NODE_BIN" ] || [ ! -x "$NODE_BIN" ]; then
    die "Node.js not found (looked for ${NODE:-node on the PATH}); install Node.js >= $EPQ_NODE_MIN_MAJOR.$EPQ_NODE_MIN_MINOR first"
  fi
  version=$("$NODE_BIN" -p 'process.versions.node' 2>/dev/null) || die "$NODE_BIN does not run"
  IFS=. read -r major minor _ <<<"$version"
  if ! [[ $major =~ ^[0-9]+$ && $minor =~ ^[0-9]+$ ]] || [ "$major" -lt "$EPQ_NODE_MIN_MAJOR" ] ||
    { [ "$major" -eq "$EPQ_NODE_MIN_MAJOR" ] && [ "$minor" -lt "$EPQ_NODE_MIN_MINOR" ]; }; then
    die "Node.js $version found at $NODE_BIN, but epq needs >= $EPQ_NODE_MIN_MAJOR.$EPQ_NODE_MIN_MINOR"
  fi
  say "Node.js $version ($NODE_BIN)"
}

require_built_checkout() {
  [ -f "$SRC/dist/agent/cli/main.js" ] || die "$SRC is not built (no dist/); run \`npm ci\` there first"
  [ -f "$SRC/dist/man/epq.1" ] || die "$SRC has no man page (dist/man/epq.1); run \`npm run build\` there"
  [ -d "$SRC/node_modules/better-sqlite3" ] || die "$SRC has no node_modules; run \`npm ci\` there first"
  [ -f "$SRC/build/Release/epq_native.node" ] || die "$SRC has no native addon (build/Release/epq_native.node); run \`npm ci\` there first (needs python3, make and a C compiler)"
}

# Copies a folder's content (not its node_modules) preserving modes and times, so that an
# unchanged checkout stages byte- and mode-identical files every time.
copy_tree() {
  mkdir -p "$2"
  tar -C "$1" --exclude=./node_modules -cf - . | tar -C "$2" -xf -
}

# The production dependencies, as package-lock.json lists them (entries not marked "dev"). The
# checkout's own node_modules are copied, not fetched again: no network is needed and the
# better-sqlite3 already built there is reused when it loads with this Node (checked below).
stage_node_modules() {
  local stage=$1 path optional
  # shellcheck disable=SC2016 # JavaScript, not shell
  local list='
    const lock = require(process.argv[1]);
    for (const [path, entry] of Object.entries(lock.packages ?? {}))
      if (path.startsWith("node_modules/") && !entry.dev) console.log(`${path}\t${entry.optional ? 1 : 0}`);'
  while IFS=$'\t' read -r path optional; do
    if [ ! -d "$SRC/$path" ]; then
      [ "$optional" = 1 ] && continue # a platform-specific optional package that did not apply
      die "$SRC/$path is missing; run \`npm ci\` in $SRC first"
    fi
    copy_tree "$SRC/$path" "$stage/$path"
  done < <("$NODE_BIN" -e "$list" "$SRC/package-lock.json")
  [ -d "$stage/node_modules/better-sqlite3" ] || die "could not list the production packages of $SRC/package-lock.json"
}

# better-sqlite3 is a native module: it must load with the Node the service runs. When the
# checkout's build does not (another Node ABI), it is rebuilt from source in the stage (about
# two minutes; needs python3, make and g++). Then the build leftovers are dropped.
check_native_module() {
  local stage=$1 module=$1/node_modules/better-sqlite3
  local probe='const D = require(process.argv[1]); new D(":memory:").close();'
  if ! "$NODE_BIN" -e "$probe" "$module" 2>/dev/null; then
    say "better-sqlite3 was built for another Node.js ABI: rebuilding it for $("$NODE_BIN" --version) (takes a few minutes)"
    (cd "$stage" && PATH="$(dirname "$NODE_BIN"):$PATH" npm rebuild better-sqlite3 --no-audit --no-fund >&2) || die "rebuilding better-sqlite3 failed; install python3, make and g++, or install with the Node.js that built $SRC"
    "$NODE_BIN" -e "$probe" "$module" || die "better-sqlite3 still does not load with $NODE_BIN"
  fi
  rm -rf "$module/deps" "$module/src" "$module/build/Release/obj" "$module/build/Release/obj.target" \
    "$module/build/Release/.deps" "$module/build/deps" "$module/build/Release/test_extension.node" \
    "$module/build/Release/sqlite3.a"
}

# Builds the whole program folder in $1: what the service runs and nothing else.
stage_program() {
  local stage=$1 part
  for part in package.json package-lock.json README.md; do
    if [ -f "$SRC/$part" ]; then cp -p "$SRC/$part" "$stage/"; fi
  done
  copy_tree "$SRC/bin" "$stage/bin"
  copy_tree "$SRC/definitions/builtin" "$stage/definitions/builtin"
  # The native addon (N-API, so any Node >= 20.19 loads it); dist/agent/native finds it here.
  mkdir -p "$stage/build/Release"
  cp -p "$SRC/build/Release/epq_native.node" "$stage/build/Release/"
  for part in scanner definitions agent central; do
    if [ -d "$SRC/dist/$part" ]; then copy_tree "$SRC/dist/$part" "$stage/dist/$part"; fi
  done
  mkdir -p "$stage/install"
  cp -p "$HERE/uninstall.sh" "$HERE/install-lib.sh" "$stage/install/"
  sed "s#@NODE@#$NODE_BIN#g" "$HERE/epq-launcher.sh" >"$stage/bin/epq"
  touch -r "$HERE/epq-launcher.sh" "$stage/bin/epq"
  stage_node_modules "$stage"
  check_native_module "$stage"
  # Root runs this code: nobody else may write it, whatever the checkout's modes were.
  chmod -R u+rwX,go+rX,go-w "$stage"
  chmod 0755 "$stage/bin/epq" "$stage/install/uninstall.sh"
}

# One line per entry (type, mode, link target) plus each file's SHA-256: equal digests mean
# the same tree, whatever the times.
tree_digest() {
  (cd "$1" && find . -printf '%y %m %p %l\n' | LC_ALL=C sort &&
    find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum) | sha256sum | cut -d' ' -f1
}

# Puts the staged program in place unless the installed one is identical (then nothing is
# touched, times included). The old one is swapped out whole, so no stale file survives.
install_program() {
  local stage
  # Global, so that the exit trap still sees it after this function returns.
  STAGE=$(mktemp -d "${TMPDIR:-/tmp}/epq-install.XXXXXX")
  trap 'rm -rf "$STAGE"' EXIT
  stage=$STAGE
  chmod 0755 "$stage"
  stage_program "$stage"
  if [ -e "$PROGRAM_DIR" ] && ! is_epq_folder "$PROGRAM_DIR"; then
    die "$PROGRAM_DIR exists and does not hold epq; not replacing it (choose another --prefix)"
  fi
  if [ -d "$PROGRAM_DIR" ] && [ "$(tree_digest "$stage")" = "$(tree_digest "$PROGRAM_DIR")" ]; then
    say "unchanged  $PROGRAM_DIR"
    return 0
  fi
  mkdir -p "$(dirname "$PROGRAM_DIR")"
  rm -rf "$PROGRAM_DIR.new" "$PROGRAM_DIR.old"
  cp -a "$stage" "$PROGRAM_DIR.new"
  if [ -d "$PROGRAM_DIR" ]; then mv "$PROGRAM_DIR" "$PROGRAM_DIR.old"; fi
  mv "$PROGRAM_DIR.new" "$PROGRAM_DIR"
  rm -rf "$PROGRAM_DIR.old"
  CHANGED=yes
  say "installed  $PROGRAM_DIR"
}

# Writes $2 as file $1 (mode $3) only when its content differs, so reruns keep the file's time.
write_if_changed() {
  local target=$1 content=$2 mode=$3 tmp
  if [ -f "$target" ] && [ "$(cat "$target")" = "$content" ]; then
    chmod "$mode" "$target"
    say "unchanged  $target"
    return 0
  fi
  mkdir -p "$(dirname "$target")"
  tmp=$(mktemp "$target.XXXXXX")
  printf '%s\n' "$content" >"$tmp"
  chmod "$mode" "$tmp"
  mv "$tmp" "$target"
  CHANGED=yes
  say "installed  $target"
}

# The config is the administrator's once written: kept as it is, even if it differs from ours.
# 0600: it may hold the Central Quarantine token.
install_config() {
  mkdir -p "$CONFIG_DIR"
  chmod 0755 "$CONFIG_DIR"
  if [ -e "$CONFIG_FILE" ]; then
    say "kept       $CONFIG_FILE"
    return 0
  fi
  install -m 0600 "$HERE/agent.json" "$CONFIG_FILE"
  # The protected folder the default config watches; made only with that config, so that an
  # administrator who removed it from the config does not get it back.
  install -d -m 0755 "$PROTECTED_DIR"
  say "installed  $CONFIG_FILE (watching /srv/epq-protected)"
}

# State (quarantine, definitions, database) is root's alone; the agent refuses a state folder
# that others can write. Logs may be read by the adm group's tools, not by everyone.
install_folders() {
  install -d -m 0700 "$STATE_DIR"
  chmod 0700 "$STATE_DIR"
  install -d -m 0750 "$LOG_DIR"
}

install_path_link() {
  local want=$PREFIX/bin/epq
  if [ -L "$PATH_LINK" ] && [ "$(readlink "$PATH_LINK")" = "$want" ]; then
    say "unchanged  $PATH_LINK"
  elif [ -e "$PATH_LINK" ] && ! { [ -L "$PATH_LINK" ] && [[ $(readlink "$PATH_LINK") == */bin/epq ]]; }; then
    warn "$PATH_LINK exists and is not epq's link; left alone (run $want instead)"
  else
    mkdir -p "$(dirname "$PATH_LINK")"
    ln -sfn "$want" "$PATH_LINK"
    say "installed  $PATH_LINK -> $want"
  fi
}

# The man page (built from the option tables by `npm run build`) and the bash completion
# (yargs' script, made by the installed epq itself) next to the command on the PATH.
install_docs() {
  write_if_changed "$MAN_PAGE" "$(cat "$SRC/dist/man/epq.1")" 0644
  write_if_changed "$BASH_COMPLETION" "$(SHELL=/bin/bash "$NODE_BIN" "$PROGRAM_DIR/bin/epq.js" completion bash)" 0644
}

start_service() {
  local run="systemctl daemon-reload && systemctl enable --now $EPQ_UNIT_NAME"
  if [ -n "$DEST" ]; then
    say "Staged under $DEST; nothing was started. On the target machine: $run"
  elif [ "$START" = no ]; then
    say "Not started (--no-start). To start the agent: $run"
  elif ! systemd_running; then
    say "systemd is not running here; start the agent with: $PREFIX/bin/epq agent --config /etc/epq/agent.json"
  else
    if [ "$CHANGED" = yes ]; then systemctl daemon-reload; fi
    systemctl enable --quiet "$EPQ_UNIT_NAME"
    if [ "$CHANGED" = yes ]; then systemctl restart "$EPQ_UNIT_NAME"; else systemctl start "$EPQ_UNIT_NAME"; fi
    say "epq-agent.service is running: systemctl status $EPQ_UNIT_NAME; epq status"
  fi
}

main() {
  parse_args "$@"
  require_root_or_destdir
  find_node
  require_built_checkout
  CHANGED=no
  install_program
  install_config
  install_folders
  write_if_changed "$UNIT_FILE" "$(sed "s#@PREFIX@#$PREFIX#g" "$HERE/epq-agent.service")" 0644
  install_path_link
  install_docs
  start_service
}

main "$@"
