#!/usr/bin/env bash
# The storage tests run the PostgreSQL store against Debian's PostgreSQL, in a throwaway cluster each test file starts
# (test/fixtures/postgres.ts). Install the server when it is missing and this machine can: root with apt.
set -euo pipefail

if ls /usr/lib/postgresql/*/bin/initdb > /dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
  echo "Installing Debian's PostgreSQL for the storage tests…" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql > /dev/null
  exit 0
fi
echo "The storage tests need PostgreSQL's server binaries: sudo apt-get install postgresql" >&2
exit 1
