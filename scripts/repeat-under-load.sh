#!/bin/sh
# Runs test files N times in a row while busy loops hold every core, and stops at the first failure: a test that fails
# once in twenty runs fails a newcomer's `npm test`, and load is what widens a race enough to be seen.
#   scripts/repeat-under-load.sh 20 test/contract/stores-contract.test.ts test/contract/fleet-contract.test.ts test/contract/outbox-contract.test.ts
set -eu
runs=$1
shift
loops=""
for _ in $(seq "$(nproc)"); do
  node -e 'for (;;);' &
  loops="$loops $!"
done
trap 'kill $loops 2>/dev/null' EXIT INT TERM
for run in $(seq "$runs"); do
  if ! NO_COLOR=1 npx vitest run --reporter=dot "$@" >"/tmp/repeat-under-load.$run.log" 2>&1; then
    echo "run $run of $runs failed: /tmp/repeat-under-load.$run.log"
    exit 1
  fi
  echo "run $run of $runs passed ($(grep -o 'Tests  *[0-9]* passed' "/tmp/repeat-under-load.$run.log"))"
done
