#!/usr/bin/env bash
# The Firefox tests drive Debian's Firefox ESR with the extension the relay serves. Install it when it is missing and
# this machine can: root with apt. Otherwise say what to run. certutil (libnss3-tools) puts the test CA in a profile.
set -euo pipefail

if [ -x /usr/bin/firefox-esr ] && command -v certutil > /dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
  echo "Installing Debian's Firefox ESR for the browser tests…" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq firefox-esr libnss3-tools > /dev/null
  exit 0
fi
echo "The browser tests need Debian's Firefox ESR: sudo apt-get install firefox-esr libnss3-tools" >&2
exit 1
