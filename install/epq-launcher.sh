#!/bin/sh
# epq launcher, written by install.sh as <prefix>/bin/epq. It runs the program with the Node.js
# it was installed for (recorded below), because the service's PATH may not find that Node (nvm,
# /usr/local), and better-sqlite3 was built for that Node's ABI.
node='@NODE@'
if [ ! -x "$node" ]; then
  node=$(command -v node) || {
    echo "epq: Node.js not found (it was installed for @NODE@); reinstall Node.js >= 20.19 and run install.sh again" >&2
    exit 2
  }
fi
# Resolve the /usr/local/bin/epq symlink so that epq.js is found beside the real launcher.
here=$(dirname "$(readlink -f "$0")")
exec "$node" "$here/epq.js" "$@"
