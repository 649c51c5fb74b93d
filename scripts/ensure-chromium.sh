#!/usr/bin/env bash
# The browser tests drive Debian's Chromium with the built extension. Install it (and its translations, which the
# Spanish UI test needs) when it is missing and this machine can: root with apt. Otherwise say what to run.
set -euo pipefail

if [ -x /usr/bin/chromium ] && [ -f /usr/lib/chromium/locales/es.pak ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
  echo "Installing Debian's Chromium for the browser tests…" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-l10n > /dev/null
  exit 0
fi
echo "The browser tests need Debian's Chromium: sudo apt-get install chromium chromium-l10n" >&2
exit 1
