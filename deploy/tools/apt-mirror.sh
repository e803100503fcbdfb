#!/usr/bin/env bash
# Prints the Debian archive this machine's apt is configured with (the first "deb" source whose
# suites are not -security), so that the scripts that fetch from the archive themselves
# (debootstrap, install-kubectl.sh) go where apt goes, behind any mirror. DEBIAN_MIRROR overrides.
# Reads /etc/apt/sources.list.d/*.sources (deb822) and /etc/apt/sources.list{,.d/*.list}.
set -euo pipefail
if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; exit 0; fi
found=$(
  { for f in /etc/apt/sources.list.d/*.sources; do [ -f "$f" ] && awk '
      /^[[:space:]]*$/ { if (deb && uri != "" && suites !~ /-security/) { print uri; exit } deb=0; uri=""; suites="" }
      /^Types:/ { deb = ($0 ~ /(^|[ \t])deb([ \t]|$)/) }
      /^URIs:/ { uri = $2 }
      /^Suites:/ { suites = $0 }
      END { if (deb && uri != "" && suites !~ /-security/) print uri }' "$f"; done
    { cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || true; } \
      | awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i+1) !~ /-security/) print $i }'
  } | head -n 1 || true)
[ -n "$found" ] || { echo "apt-mirror: no Debian source in apt's configuration; set DEBIAN_MIRROR" >&2; exit 1; }
echo "${found%/}"
