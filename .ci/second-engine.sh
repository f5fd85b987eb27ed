#!/usr/bin/env bash
# A second, independent Docker engine on this machine (its own socket, data root and exec root),
# for the tests of the Docker backend spread over several engines. Idempotent: starts the engine
# only when its socket does not answer, and loads the sandbench-python image into it from the
# main engine only when the image ids differ. Needs root and a running main engine.
#
#   .ci/second-engine.sh        prints the engine's address (unix:///run/sandbench-second-engine/docker.sock)
set -euo pipefail

log() { printf 'second-engine: %s\n' "$*" >&2; }

root=/run/sandbench-second-engine
socket="$root/docker.sock"
data=/var/lib/sandbench-second-engine
logfile=/var/log/sandbench-dockerd-second.log
second() { docker -H "unix://$socket" "$@"; }

mkdir -p "$root" "$data"
if ! timeout 5 docker -H "unix://$socket" version --format '{{.Server.Version}}' >/dev/null 2>&1; then
  if [[ -f "$root/docker.pid" ]] && ! kill -0 "$(cat "$root/docker.pid")" 2>/dev/null; then rm -f "$root/docker.pid"; fi
  log "starting a second dockerd on $socket (no bridge, no iptables); log: $logfile"
  setsid dockerd --bridge=none --iptables=false --host "unix://$socket" --data-root "$data" \
    --exec-root "$root/exec" --pidfile "$root/docker.pid" >>"$logfile" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    timeout 5 docker -H "unix://$socket" version >/dev/null 2>&1 && break
    sleep 1
  done
  timeout 5 docker -H "unix://$socket" version >/dev/null 2>&1 || { log "the second engine did not start; see $logfile"; exit 1; }
fi

wanted="$(docker image inspect --format '{{.Id}}' sandbench-python)"
present="$(second image inspect --format '{{.Id}}' sandbench-python 2>/dev/null || true)"
if [[ "$wanted" != "$present" ]]; then
  log "loading sandbench-python into the second engine"
  docker save sandbench-python | second load >/dev/null
fi
echo "unix://$socket"
