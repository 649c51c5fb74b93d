#!/usr/bin/env bash
# The packaging tests build the relay's container image with Debian's podman, from base images made of Debian's
# packages with mmdebstrap (no container registry is needed), and run it with runc. Install them when they are missing
# and this machine can: root with apt. Otherwise say what to run.
set -euo pipefail

if command -v podman > /dev/null && command -v mmdebstrap > /dev/null && command -v runc > /dev/null; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
  echo "Installing Debian's podman, runc and mmdebstrap for the container image test…" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman runc mmdebstrap uidmap slirp4netns > /dev/null
  exit 0
fi
echo "The container image test needs podman, runc and mmdebstrap: sudo apt-get install podman runc mmdebstrap" >&2
exit 1
