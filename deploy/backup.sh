#!/bin/sh
# Manchette backup: the PostgreSQL database (pg_dump custom format) and the media
# files, kept BACKUP_KEEP_DAYS days in BACKUP_DIR. Copy BACKUP_DIR off the machine
# (rsync, restic, borg…): a backup on the same disk is not a backup.
# Restore: docs/deploy.md, "Backups and restore".
set -eu
BACKUP_DIR="${BACKUP_DIR:-/var/backups/manchette}"
BACKUP_KEEP_DAYS="${BACKUP_KEEP_DAYS:-14}"
MEDIA_ROOT="${MANCHETTE_MEDIA_ROOT:-/srv/manchette/var/media}"
stamp="$(date +%Y-%m-%dT%H%M)"
mkdir -p "$BACKUP_DIR"
umask 077
pg_dump --format=custom --no-owner --dbname="$DATABASE_URL" --file="$BACKUP_DIR/db-$stamp.dump.part"
mv "$BACKUP_DIR/db-$stamp.dump.part" "$BACKUP_DIR/db-$stamp.dump"
tar --create --gzip --file="$BACKUP_DIR/media-$stamp.tar.gz.part" --directory="$(dirname "$MEDIA_ROOT")" "$(basename "$MEDIA_ROOT")"
mv "$BACKUP_DIR/media-$stamp.tar.gz.part" "$BACKUP_DIR/media-$stamp.tar.gz"
find "$BACKUP_DIR" -name 'db-*.dump' -mtime +"$BACKUP_KEEP_DAYS" -delete
find "$BACKUP_DIR" -name 'media-*.tar.gz' -mtime +"$BACKUP_KEEP_DAYS" -delete
echo "backup done: $BACKUP_DIR/db-$stamp.dump $BACKUP_DIR/media-$stamp.tar.gz"
