#!/usr/bin/env bash
# Regenerates src/Certitude/Names/public_suffix_list.txt from Debian's `publicsuffix` package
# (apt-get install publicsuffix). The output keeps the rules only, one per line, with the
# ICANN/PRIVATE section markers, and a header naming the package version it came from.
set -euo pipefail
src=/usr/share/publicsuffix/public_suffix_list.dat
out="$(dirname "$0")/../src/Certitude/Names/public_suffix_list.txt"
ver=$(dpkg-query -W -f='${Version}' publicsuffix 2>/dev/null || echo unknown)
{
  echo "# Public Suffix List rules, from Debian package publicsuffix $ver ($src). Mozilla Public License 2.0."
  grep -v '^//' "$src" | sed 's/[[:space:]]*$//' | grep -v '^$'
} > "$out"
echo "wrote $out ($(wc -l < "$out") lines)"
