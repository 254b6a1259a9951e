#!/usr/bin/env bash
# Install the Debian packages Factdesk needs when they are missing:
#   runtime: libpango (WeasyPrint PDF reports), fonts;
#   test (the default): the runtime ones plus chromium (browser tests).
#   bench: the runtime ones plus wrk (`make bench` load runs; without it a Python client is used).
#   gettext: only msgfmt/xgettext (compiling and collecting interface translations).
# Never downloads a browser build: Playwright drives Debian's /usr/bin/chromium.
set -euo pipefail
purpose=${1:-test}
missing=()
# msgfmt compiles the interface translations at install (make compilemessages).
command -v msgfmt >/dev/null || missing+=(gettext)
if [ "$purpose" = gettext ]; then
  :
elif [ "$purpose" = test ]; then
  [ -x /usr/bin/chromium ] || missing+=(chromium)
elif [ "$purpose" = bench ]; then
  command -v wrk >/dev/null || missing+=(wrk)
fi
if [ "$purpose" != gettext ]; then
  ldconfig -p 2>/dev/null | grep -q libpango-1.0.so.0 || missing+=(libpango-1.0-0)
  ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0.so.0 || missing+=(libpangoft2-1.0-0)
  fc-list 2>/dev/null | grep -qi dejavu || missing+=(fonts-dejavu-core)
  # Reports of Arabic, Persian or Urdu articles need a font with Arabic glyphs (DejaVu Sans has them).
  fc-list :lang=ar 2>/dev/null | grep -q . || missing+=(fonts-dejavu-core)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing system packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
elif command -v sudo >/dev/null && command -v apt-get >/dev/null; then
  echo "Installing system packages with sudo: ${missing[*]}"
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "Missing system packages: ${missing[*]} (install them with your package manager)." >&2
fi
