#!/bin/sh
# Checks systemd/parcelwatch.service without systemd running: the unit parses
# (with ExecStart pointed at the built binary) and its exposure score stays at
# or below 1.5 (systemd-analyze's --threshold is in tenths on systemd 252).
# Usage: check_unit.sh UNIT PARCELWATCHD
set -eu
unit=$1
daemon=$2
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "systemd-analyze not installed: skipped"
  exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sed "s|^ExecStart=/usr/bin/parcelwatchd|ExecStart=$daemon|" "$unit" > "$dir/parcelwatch.service"
systemd-analyze verify --recursive-errors=no "$dir/parcelwatch.service"
systemd-analyze security --offline=yes --threshold=15 "$dir/parcelwatch.service" | tail -n 1
