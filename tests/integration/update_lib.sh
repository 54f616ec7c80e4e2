# Shared by the scripts that update a device from a real repository (keeld_update.sh,
# tests/browser/notice.sh): the repository kept with `keel release` and served by nginx over
# HTTPS with its own CA, the images published to it, and the factory's `keel flash`.
# Source after scripts/harness.sh and keeld_lib.sh; set $work, and $model (the hardware id
# the images are for).
# shellcheck shell=bash

# update_repo_serve: keys and an empty signed repository ($work/keys, $work/repo), served by
# nginx on a free loopback port with a certificate of its own CA, $work/repo-ca/ca.pem (what
# keeld is given with --update-ca). Sets rport and nginx_pid.
update_repo_serve() {
  command -v nginx >/dev/null || keeld_fail "nginx is not installed (scripts/bootstrap)"
  keeld_ca "$work/repo-ca"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/srv.key" \
    -subj "/CN=127.0.0.1" 2>/dev/null |
    openssl x509 -req -CA "$work/repo-ca/ca.pem" -CAkey "$work/repo-ca/ca.key" -days 30 \
      -extfile <(printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n') \
      -out "$work/srv.pem" 2>/dev/null ||
    keeld_fail "openssl cannot make the repository's certificate"
  "$KEEL_BIN" release init --repo "$work/repo" --keys "$work/keys" >/dev/null ||
    keeld_fail "keel release init"
  for rport in $(shuf -i 20000-60000 -n 20); do port_free "$rport" && break; done
  mkdir -p "$work/nginx"
  cat >"$work/nginx/nginx.conf" <<CONF
daemon off;
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events {}
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server {
        listen 127.0.0.1:$rport ssl;
        ssl_certificate $work/srv.pem;
        ssl_certificate_key $work/srv.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        root $work/repo;
    }
}
CONF
  update_nginx_up
}

# update_nginx_up: nginx (re)started on $rport as update_repo_serve configured it; sets
# nginx_pid (harness_stop "$nginx_pid" takes the repository away).
update_nginx_up() {
  harness_start "$work/nginx/run.log" nginx -c "$work/nginx/nginx.conf" -e "$work/nginx/error.log"
  nginx_pid=$harness_last_pid
  harness_wait_port "$rport" 10 || keeld_fail "nginx did not start: $(cat "$work/nginx/error.log")"
}

# update_release VERSION SECURITY_VERSION FIXES RISKS SECONDS [KEELD]: an image for $model, a
# tar holding bin/keeld (KEELD; by default keeld's own binary, so a realistic size), added to
# the repository with its notice (what it fixes, the risks it closes, SECONDS of interruption)
# and published as a new target, $model-VERSION.tar.
update_release() {
  local version=$1 img=$work/img-$1 keeld=${6:-$KEELD_BIN}
  mkdir -p "$img/bin"
  cp "$keeld" "$img/bin/keeld"
  tar -C "$img" -cf "$work/$model-$version.tar" bin
  "$KEEL_BIN" release add --repo "$work/repo" --keys "$work/keys" \
    --file "$work/$model-$version.tar" --name "$model-$version.tar" --hardware-id "$model" \
    --version "$version" --security-version "$2" --fixes "$3" --risks "$4" --interrupts "$5" \
    >"$work/release.log" 2>&1 || keeld_fail "keel release add $version: $(cat "$work/release.log")"
  "$KEEL_BIN" release publish --repo "$work/repo" --keys "$work/keys" >"$work/release.log" 2>&1 ||
    keeld_fail "keel release publish $version: $(cat "$work/release.log")"
}

# update_flash DIR TARGET: the factory writes TARGET from the repository into slot a of the
# provisioned device DIR (`keel flash`), then gives DIR to the account keeld runs as.
update_flash() {
  "$KEEL_BIN" flash --data "$1" --repo "$work/repo" --target "$2" >"$work/flash.log" 2>&1 ||
    keeld_fail "keel flash: $(cat "$work/flash.log")"
  harness_keeld_owns "$1"
}
