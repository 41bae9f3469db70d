#!/bin/sh
# Dumps the database named by PGDATABASE (custom format, compressed) into
# BACKUP_DIR and keeps the newest BACKUP_KEEP dumps. Connection settings come
# from libpq's variables: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE.
set -eu

: "${PGDATABASE:?PGDATABASE names the database to dump}"
dir="${BACKUP_DIR:-/backups}"
keep="${BACKUP_KEEP:-7}"
case "$keep" in '' | *[!0-9]* | 0) echo "{\"level\":\"error\",\"event\":\"backup.bad_keep\",\"keep\":\"$keep\"}" >&2; exit 2 ;; esac

name="$PGDATABASE-$(date -u +%Y%m%dT%H%M%SZ).dump"
partial="$dir/.$name.partial"
trap 'rm -f "$partial"' EXIT

pg_dump --format=custom --no-owner --file="$partial"
# Renamed only once complete, so a dump that is listed is a whole dump.
mv "$partial" "$dir/$name"
echo "{\"level\":\"info\",\"event\":\"backup.done\",\"file\":\"$name\",\"bytes\":$(wc -c <"$dir/$name")}"

# Names sort by time; everything past the newest $keep goes.
ls -1 "$dir" | grep -E "^$PGDATABASE-[0-9]{8}T[0-9]{6}Z\.dump\$" | sort -r | tail -n +"$((keep + 1))" |
  while read -r old; do
    rm -f "$dir/$old"
    echo "{\"level\":\"info\",\"event\":\"backup.pruned\",\"file\":\"$old\"}"
  done
