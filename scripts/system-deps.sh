#!/usr/bin/env bash
# Installs the Debian packages the project needs when they are missing.
#   scripts/system-deps.sh run    what the app needs (SpatiaLite, npm for the map assets)
#   scripts/system-deps.sh test   the same plus Chromium (browser tests) and PostgreSQL + PostGIS
#                                 (the suite runs on SpatiaLite and on a throwaway PostGIS cluster)
#                                 and nginx (the scale-out test runs its own, never the system service)
# As root it runs apt-get; otherwise it says what to install and fails.
set -euo pipefail

purpose="${1:-run}"
missing=()

have_spatialite() {
  [ -n "$(find /usr/lib /usr/local/lib -name 'mod_spatialite.so*' -print -quit 2>/dev/null)" ]
}
have_venv() {
  python3 -c 'import ensurepip, venv' >/dev/null 2>&1
}

have_venv || missing+=(python3-venv)
have_spatialite || missing+=(libsqlite3-mod-spatialite)
command -v npm >/dev/null 2>&1 || missing+=(npm)
have_postgis() {
  compgen -G "/usr/lib/postgresql/*/bin/pg_ctl" >/dev/null && compgen -G "/usr/share/postgresql/*/extension/postgis.control" >/dev/null
}
if [ "$purpose" = "test" ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  have_postgis || missing+=(postgresql-15-postgis-3)
  command -v node >/dev/null 2>&1 || missing+=(nodejs)  # the test SMS centre (tests/smsc/smsc.js)
  [ -x /usr/sbin/nginx ] || missing+=(nginx)            # two app processes behind a proxy (tests/browser/test_scale_out.py)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
