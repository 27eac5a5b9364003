#!/usr/bin/env bash
# Makes a self-signed TLS certificate and key for nginx in front of Palaver, for testing or
# a private deployment (use a real CA, e.g. Let's Encrypt, for the public internet).
#
#   deploy/tls/make-self-signed-cert.sh DIR [HOSTNAME]
#
# writes DIR/palaver.crt and DIR/palaver.key (mode 600), valid for HOSTNAME (default
# localhost), 127.0.0.1 and ::1, for 825 days.
set -euo pipefail
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 DIR [HOSTNAME]" >&2
  exit 2
fi
directory=$1
host=${2:-localhost}
mkdir -p "$directory"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 \
  -days 825 -subj "/CN=$host" \
  -addext "subjectAltName=DNS:$host,IP:127.0.0.1,IP:::1" \
  -addext "basicConstraints=critical,CA:FALSE" -addext "extendedKeyUsage=serverAuth" \
  -keyout "$directory/palaver.key" -out "$directory/palaver.crt" 2>/dev/null
chmod 644 "$directory/palaver.crt"
echo "wrote $directory/palaver.crt and $directory/palaver.key for $host"
