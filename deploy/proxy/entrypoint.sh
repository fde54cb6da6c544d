#!/bin/sh
# Writes nginx's configuration for this container and, when the tls volume holds no certificate
# yet, a self-signed one for SERVER_NAME (for local use; README, Deployment: a real certificate).
set -eu
: "${SERVER_NAME:=localhost}"
: "${UPSTREAM:=web:8000}"
# The port users reach HTTPS on, for the redirect from plain HTTP (none when it is 443).
: "${PUBLIC_HTTPS_PORT:=443}"
if [ "$PUBLIC_HTTPS_PORT" = 443 ]; then https_port=""; else https_port=":$PUBLIC_HTTPS_PORT"; fi
tls=/etc/nginx/tls
if [ ! -s "$tls/fullchain.pem" ] || [ ! -s "$tls/privkey.pem" ]; then
  echo "proxy: no certificate in $tls, making a self-signed one for $SERVER_NAME"
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=$SERVER_NAME" \
    -addext "subjectAltName=DNS:$SERVER_NAME,DNS:localhost,IP:127.0.0.1" \
    -keyout "$tls/privkey.pem" -out "$tls/fullchain.pem" 2>/dev/null
  chmod 600 "$tls/privkey.pem"
fi
# The container network's DNS server: nginx looks the upstream up again when its address
# changes (a restarted web container), instead of keeping the address it saw at start.
resolver=$(awk '/^nameserver/ { print $2; exit }' /etc/resolv.conf)
case "$resolver" in *:*) resolver="[$resolver]" ;; esac
sed -e "s|@RESOLVER@|$resolver|" -e "s|@UPSTREAM@|$UPSTREAM|" -e "s|@HTTPS_PORT@|$https_port|" \
  /etc/nginx/nginx.conf.template > /etc/nginx/nginx.conf
exec "$@"
