#!/usr/bin/env bash
# Installs the streambed agent as a systemd service: user, package, Node.js, /etc/streambed.yml, unit. Idempotent.
set -euo pipefail
trap 'echo "install.sh: failed at line $LINENO: $BASH_COMMAND" >&2' ERR

usage() {
  cat <<'EOF'
usage: install.sh [--package FILE.tgz] [--node PATH] [--user NAME] [--db-dir DIR]... [--root DIR]

  --package FILE  the streambed-<version>.tgz that `npm pack` made (default: the package this script came in,
                  when it runs from an installed streambed)
  --node PATH     a Node.js >= 22.18 for the service (default: node on PATH if recent enough, else Node.js 24
                  from the npm registry into /opt/streambed)
  --user NAME     run the agent as NAME (default streambed, created as a system user when missing); use the
                  user that owns the databases, or a member of their group
  --db-dir DIR    a directory of databases the agent may write to (repeatable); written to a drop-in
  --root DIR      install into DIR instead of / (images, tests): nothing is started and systemctl is not called
Run again to upgrade or change settings: existing /etc/streambed.yml and drop-ins are kept unless options say otherwise.
EOF
}

root="" package="" node="" user=streambed db_dirs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --package) package=$2; shift 2 ;;
    --node) node=$2; shift 2 ;;
    --user) user=$2; shift 2 ;;
    --db-dir) db_dirs+=("$2"); shift 2 ;;
    --root) root=$(cd "$2" && pwd); shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; usage >&2; exit 2 ;;
  esac
done

say() { echo "install.sh: $*" >&2; }
here=$(cd "$(dirname "$0")" && pwd)
opt="$root/opt/streambed"
unit_dir="$root/etc/systemd/system"
major_minor_ok() { "$1" -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 18) ? 0 : 1)' 2>/dev/null; }

# --- the service user (getent also sees directory users; a --root has only its own files)
entry() { if [ -n "$root" ]; then grep "^$2:" "$root/etc/$1" || true; else getent "$1" "$2" || true; fi; }
if [ -z "$(entry passwd "$user")" ]; then
  if [ "$user" != streambed ]; then say "user $user does not exist${root:+ in $root}"; exit 2; fi
  say "creating system user $user"
  useradd ${root:+--root "$root"} --system --user-group --home-dir /var/lib/streambed --no-create-home --shell /usr/sbin/nologin "$user"
fi
uid=$(entry passwd "$user" | cut -d: -f3)
gid=$(entry passwd "$user" | cut -d: -f4)
install -d -m 0750 -o "$uid" -g "$gid" "$root/var/lib/streambed"
install -d -m 0755 "$opt/bin" "$unit_dir"

# --- Node.js: the unit runs /opt/streambed/bin/streambed with /opt/streambed/bin first on PATH
if [ -z "$node" ] && command -v node >/dev/null && major_minor_ok node; then node=$(command -v node); fi
if [ -n "$node" ]; then
  major_minor_ok "$node" || { say "$node is not Node.js >= 22.18"; exit 2; }
  ln -sfn "$(readlink -f "$node")" "$opt/bin/node"
elif [ ! -x "$opt/bin/node" ] || ! major_minor_ok "$opt/bin/node"; then
  case "$(uname -m)" in x86_64) arch=x64 ;; aarch64) arch=arm64 ;; *) say "no Node.js package for $(uname -m): pass --node"; exit 2 ;; esac
  command -v npm >/dev/null || { say "no Node.js >= 22.18 and no npm to fetch one: pass --node"; exit 2; }
  say "installing Node.js 24 into $opt"
  npm install -g --prefix "$opt" --no-audit --no-fund "node-linux-$arch@24" >&2
fi
export PATH="$opt/bin:$PATH"

# --- the package
# Run from an unpacked or installed package (or a built checkout) elsewhere: install that one.
if [ -z "$package" ] && [ -f "$here/../dist/streambed.mjs" ] && [ "$(readlink -f "$here/..")" != "$(readlink -f "$opt/lib/node_modules/streambed")" ]; then
  packed=$(mktemp -d)
  (cd "$here/.." && npm pack --silent --pack-destination "$packed" >/dev/null)
  package=$(ls "$packed"/streambed-*.tgz)
fi
if [ -n "$package" ]; then
  [ -f "$package" ] || { say "no package file $package"; exit 2; }
  say "installing $(basename "$package") into $opt"
  npm install -g --prefix "$opt" --no-audit --no-fund --no-update-notifier "$package" >&2
elif [ ! -x "$opt/bin/streambed" ]; then
  say "no streambed package: pass --package streambed-<version>.tgz (made by npm pack)"; exit 2
fi
# Admins run `streambed restore ...` with the service's Node.js, whatever their own PATH holds.
install -d -m 0755 "$root/usr/local/bin"
printf '#!/bin/sh\nexec /opt/streambed/bin/node /opt/streambed/bin/streambed "$@"\n' >"$root/usr/local/bin/streambed.tmp"
chmod 0755 "$root/usr/local/bin/streambed.tmp"
mv -f "$root/usr/local/bin/streambed.tmp" "$root/usr/local/bin/streambed"

# --- configuration: written once, never overwritten
if [ ! -e "$root/etc/streambed.yml" ]; then
  say "writing $root/etc/streambed.yml (edit it: no database is configured yet)"
  install -m 0640 -o 0 -g "$gid" /dev/null "$root/etc/streambed.yml"
  cat >"$root/etc/streambed.yml" <<'EOF'
# streambed configuration (Litestream-compatible). Credentials come from the instance role: write no keys here.
# addr serves /metrics, /healthz and /readyz.
addr: 127.0.0.1:9090
dbs: []
# dbs:
#   - path: /srv/app/data/app.db
#     replica:
#       url: s3://my-bucket/app.db
#       region: eu-west-1
EOF
fi

# --- the unit, and a drop-in for what the options said
install -m 0644 "$here/streambed.service" "$unit_dir/streambed.service"
if [ "$user" != streambed ] || [ ${#db_dirs[@]} -gt 0 ]; then
  install -d -m 0755 "$unit_dir/streambed.service.d"
  {
    echo "# Written by install.sh; run it again with other options to change it."
    echo "[Service]"
    if [ "$user" != streambed ]; then echo "User=$user"; echo "Group=$gid"; fi
    for dir in "${db_dirs[@]}"; do echo "ReadWritePaths=$dir"; done
  } >"$unit_dir/streambed.service.d/10-install.conf"
fi

if [ -n "$root" ] || ! command -v systemctl >/dev/null || [ ! -d /run/systemd/system ]; then
  # What `systemctl enable` would do, so the image or root boots with the agent enabled.
  install -d -m 0755 "$unit_dir/multi-user.target.wants"
  ln -sfn /etc/systemd/system/streambed.service "$unit_dir/multi-user.target.wants/streambed.service"
  say "installed into ${root:-/}; systemd is not running here, so nothing was started"
  exit 0
fi
systemctl daemon-reload
systemctl enable streambed.service
if systemctl is-active --quiet streambed.service; then
  systemctl restart streambed.service
  say "restarted streambed"
elif grep -q '^dbs: \[\]' /etc/streambed.yml; then
  say "enabled; add databases to /etc/streambed.yml, then: systemctl start streambed"
else
  systemctl start streambed.service
  say "started streambed; logs: journalctl -u streambed"
fi
