#!/usr/bin/env bash
# Installs the system tools that some tests need (PostgreSQL server binaries, Chromium,
# a Java 17 runtime for the Spark local-mode test),
# but only under CI (CI=true), where those tests must run rather than skip. On a developer
# machine the tests that need a missing tool skip with a reason instead.
set -euo pipefail
[ "${CI:-}" = "true" ] || exit 0
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v java >/dev/null 2>&1 || need+=(openjdk-17-jre-headless)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing test tools: ${need[*]}"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
else
  echo "cannot install ${need[*]} (need root and apt-get); the tests that use them will fail under CI" >&2
fi
