#!/usr/bin/env bash
# Make a Docker engine and debootstrap available for sandbench's Docker backend and image
# builds, on a Debian or Ubuntu machine. Idempotent: installs only what is missing and starts
# an engine only when none answers. Needs root.
#
#   .ci/docker-setup.sh            install if needed, start if needed, print the engine version
#
# Environment: DOCKERD_LOG (default /var/log/sandbench-dockerd.log), DOCKER_WAIT_SECONDS (60).
set -euo pipefail

log() { printf 'docker-setup: %s\n' "$*" >&2; }

dockerd_log="${DOCKERD_LOG:-/var/log/sandbench-dockerd.log}"
wait_seconds="${DOCKER_WAIT_SECONDS:-60}"

if [[ "$(id -u)" -ne 0 ]]; then
  log "must run as root (it installs packages and starts dockerd)"
  exit 1
fi

engine_answers() { timeout 5 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || [[ -x /usr/sbin/debootstrap ]] || missing+=(debootstrap)
if [[ ${#missing[@]} -gt 0 ]]; then
  # docker.io brings both binaries; list each package once.
  mapfile -t packages < <(printf '%s\n' "${missing[@]}" | sort -u)
  log "installing ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

if engine_answers; then
  log "engine already running"
else
  if [[ -n "${DOCKER_HOST:-}" && "${DOCKER_HOST}" != unix:///var/run/docker.sock ]]; then
    log "DOCKER_HOST=${DOCKER_HOST} does not answer; not starting a local engine in its place"
    exit 1
  fi
  # An engine that was killed (machine handed over, session ended) leaves its pid files; a new
  # dockerd refuses to start while they name a live process, and a zombie counts as live.
  for pidfile in /var/run/docker.pid /var/run/docker/containerd/containerd.pid; do
    [[ -f "$pidfile" ]] || continue
    old_pid="$(cat "$pidfile" 2>/dev/null || true)"
    state="$(awk '/^State:/ {print $2}' "/proc/${old_pid:-0}/status" 2>/dev/null || true)"
    if [[ -z "$state" || "$state" == Z ]]; then
      log "removing stale $pidfile (pid ${old_pid:-?} is gone)"
      rm -f "$pidfile"
    fi
  done
  log "starting dockerd (no bridge, no iptables: sandbox containers use network mode none); log: $dockerd_log"
  mkdir -p "$(dirname "$dockerd_log")"
  # setsid: the engine outlives this script and the CI step's process group.
  setsid dockerd --bridge=none --iptables=false >>"$dockerd_log" 2>&1 < /dev/null &
  dockerd_pid=$!
  deadline=$((SECONDS + wait_seconds))
  until engine_answers; do
    if ! kill -0 "$dockerd_pid" 2>/dev/null; then
      log "dockerd exited; last lines of $dockerd_log:"
      tail -n 20 "$dockerd_log" >&2 || true
      exit 1
    fi
    if (( SECONDS >= deadline )); then
      log "engine did not answer within ${wait_seconds}s; last lines of $dockerd_log:"
      tail -n 20 "$dockerd_log" >&2 || true
      exit 1
    fi
    sleep 1
  done
fi

docker version --format 'Docker engine {{.Server.Version}} (API {{.Server.APIVersion}})'
docker info --format 'cgroup v{{.CgroupVersion}}, {{.CgroupDriver}} driver, storage {{.Driver}}' 2>/dev/null || true
