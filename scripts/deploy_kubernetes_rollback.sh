#!/usr/bin/env bash
# Rolls movie-mlops back to its previous release on the cluster of the current kubectl context: the API
# and worker Deployments to their previous revision, and the nightly training CronJob to the API's image.
#
#   scripts/deploy_kubernetes_rollback.sh                  roll back, whatever runs now
#   scripts/deploy_kubernetes_rollback.sh <failed-image>   only what runs <failed-image> (after a failed
#                                                          deploy: what it never changed stays as it is)
#
# Schema migrations are not undone: each migration keeps the previous release working (see
# docs/deployment-guide.md, "Upgrading").
set -euo pipefail

if [ "$#" -gt 1 ]; then
  echo "usage: $0 [<failed-image>]" >&2
  exit 2
fi
FAILED_IMAGE="${1:-}"
NAMESPACE=movie-mlops
ROLLOUT_TIMEOUT="${MLOPS_K8S_ROLLOUT_TIMEOUT:-10m}"

log() { printf '[rollback] %s\n' "$*" >&2; }
image_of() { # image_of <deployment> <container>
  kubectl -n "$NAMESPACE" get deployment "$1" -o "jsonpath={.spec.template.spec.containers[?(@.name==\"$2\")].image}"
}

rolled_back=0
for target in mlops-api:api mlops-worker:worker; do
  deployment="${target%%:*}"
  container="${target#*:}"
  current="$(image_of "$deployment" "$container")"
  if [ -n "$FAILED_IMAGE" ] && [ "$current" != "$FAILED_IMAGE" ]; then
    log "$deployment runs $current, not $FAILED_IMAGE: left as it is"
    continue
  fi
  log "$deployment: undoing $current"
  kubectl -n "$NAMESPACE" rollout undo "deployment/$deployment"
  kubectl -n "$NAMESPACE" rollout status "deployment/$deployment" --timeout="$ROLLOUT_TIMEOUT"
  log "$deployment now runs $(image_of "$deployment" "$container")"
  rolled_back=1
done

if [ "$rolled_back" = 1 ]; then
  image="$(image_of mlops-api api)"
  kubectl -n "$NAMESPACE" set image cronjob/mlops-nightly-training "training=$image"
  log "mlops-nightly-training runs $image"
fi
