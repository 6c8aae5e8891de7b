#!/bin/sh
# Write nginx.conf from the template with the settings below (environment variables), check it,
# then run nginx in the foreground.
set -eu
: "${BACKEND_UPSTREAM:=backend:8000}"
: "${PROXY_PORT:=8080}"
: "${MAX_UPLOAD_MB:=10}"
: "${PROXY_HEADER_TIMEOUT:=10}"
: "${PROXY_BODY_TIMEOUT:=20}"
: "${PROXY_READ_TIMEOUT:=120}"
: "${PROXY_CONNECTIONS_PER_ADDRESS:=128}"
# The backend's limit (MAX_UPLOAD_MB may be fractional) in bytes, as nginx takes it.
MAX_UPLOAD_BYTES=$(awk -v mb="$MAX_UPLOAD_MB" 'BEGIN { printf "%d", mb * 1048576 }')
export BACKEND_UPSTREAM PROXY_PORT MAX_UPLOAD_MB MAX_UPLOAD_BYTES PROXY_HEADER_TIMEOUT \
    PROXY_BODY_TIMEOUT PROXY_READ_TIMEOUT PROXY_CONNECTIONS_PER_ADDRESS
envsubst '${BACKEND_UPSTREAM} ${PROXY_PORT} ${MAX_UPLOAD_MB} ${MAX_UPLOAD_BYTES}
${PROXY_HEADER_TIMEOUT} ${PROXY_BODY_TIMEOUT} ${PROXY_READ_TIMEOUT}
${PROXY_CONNECTIONS_PER_ADDRESS}' </etc/lesion-proxy/nginx.conf.template >/tmp/nginx.conf
nginx -t -q -c /tmp/nginx.conf
exec nginx -c /tmp/nginx.conf -g 'daemon off;'
