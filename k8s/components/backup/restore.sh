#!/bin/sh
# Restores RESTORE_FILE (a dump's file name in BACKUP_DIR, or `latest`; never
# implied, so a stray run restores nothing) into
# the database named by PGDATABASE. It connects to that database and replaces
# its objects in one transaction (pg_restore --clean --single-transaction):
# it never drops the database it is connected to, and a failed restore
# leaves the database as it was.
set -eu

: "${PGDATABASE:?PGDATABASE names the database to restore into}"
dir="${BACKUP_DIR:-/backups}"
file="${RESTORE_FILE:-}"

if [ "$file" = latest ]; then
  file=$(ls -1 "$dir" | grep -E "^$PGDATABASE-[0-9]{8}T[0-9]{6}Z\.dump\$" | sort | tail -n 1 || true)
fi
case "$file" in '' | */* | .*)
  echo "{\"level\":\"error\",\"event\":\"restore.no_file\",\"file\":\"$file\",\"dir\":\"$dir\"}" >&2
  exit 2 ;;
esac
if [ ! -f "$dir/$file" ]; then
  echo "{\"level\":\"error\",\"event\":\"restore.no_file\",\"file\":\"$file\",\"dir\":\"$dir\"}" >&2
  exit 2
fi

# Reading the table of contents first rejects a truncated or foreign file before anything changes.
pg_restore --list "$dir/$file" >/dev/null
pg_restore --dbname="$PGDATABASE" --clean --if-exists --no-owner --single-transaction --exit-on-error "$dir/$file"
echo "{\"level\":\"info\",\"event\":\"restore.done\",\"file\":\"$file\",\"database\":\"$PGDATABASE\"}"
