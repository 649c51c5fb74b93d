#!/bin/sh
# Installs the relay built in this checkout as the systemd service guardmail-relay (docs/operating.md, "With systemd"):
# Debian and Ubuntu, RHEL and its rebuilds alike, with Node.js 20 or later as /usr/bin/node. Run as root from the
# checkout, after "npm ci && npm run build". Run again to upgrade: the options and the key are kept.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
[ -x /usr/bin/node ] && /usr/bin/node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' || {
  echo "Node.js 20 or later is needed as /usr/bin/node (Debian/Ubuntu: NodeSource's nodejs package; RHEL 9: dnf module install nodejs:20)" >&2
  exit 1
}
[ -f "$root/dist/relay.mjs" ] || { echo "build first: npm ci && npm run build" >&2; exit 1; }

# The application, read-only to the service: the bundle, its production dependencies, the extension builds.
install -d -m 0755 /opt/guardmail /opt/guardmail/extension
rm -rf /opt/guardmail/dist /opt/guardmail/node_modules /opt/guardmail/extension/.output
cp -a "$root/dist" "$root/package.json" "$root/package-lock.json" "$root/node_modules" /opt/guardmail/
cp -a "$root/extension/.output" /opt/guardmail/extension/
(cd /opt/guardmail && npm prune --omit=dev --no-audit --no-fund >/dev/null)

# The options and the key: root's alone, made once.
install -d -m 0700 /etc/guardmail
[ -f /etc/guardmail/relay.env ] || install -m 0600 "$root/packaging/systemd/relay.env" /etc/guardmail/relay.env
[ -f /etc/guardmail/secret.key ] || (umask 077 && head -c 32 /dev/urandom | base64 >/etc/guardmail/secret.key)

install -m 0644 "$root/packaging/systemd/guardmail-relay.service" /etc/systemd/system/guardmail-relay.service
systemctl daemon-reload
systemctl enable --now guardmail-relay.service
echo "guardmail-relay is running; its first-start tokens are in /var/lib/guardmail/first-start-tokens.txt"
echo "edit /etc/guardmail/relay.env (GUARDMAIL_HOST, GUARDMAIL_PUBLIC_URL, TLS), then: systemctl restart guardmail-relay"
echo "back up /etc/guardmail/secret.key: without it no stored secret can be read"
