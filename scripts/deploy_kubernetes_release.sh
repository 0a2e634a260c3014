#!/usr/bin/env bash
# Deploys one release of movie-mlops to the Kubernetes cluster of the current kubectl context, from the
# manifests of deploy/k8s/ with the given image, and waits until it runs:
#
#   scripts/deploy_kubernetes_release.sh <image>      e.g. registry.example.com/movie-mlops/api:1.2.0
#
# 1. when MLOPS_DATABASE_URL is set (the CD workflow passes its environment's secrets), creates or updates
#    the Secret mlops-secrets from MLOPS_DATABASE_URL, REDIS_URL, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY,
#    MLOPS_ADMIN_TOKEN, MLOPS_ALERT_WEBHOOK_URL and TMDB_API_KEY; otherwise the Secret must exist already;
# 2. applies deploy/k8s (kustomization) with every movie-mlops/api image replaced by <image>;
# 3. waits for the API rollout (its init container applies the schema migrations first) and the workers.
#
# Everything goes into the namespace movie-mlops (one cluster, or one kubectl context, per environment).
# Roll back with `kubectl -n movie-mlops rollout undo deployment/mlops-api deployment/mlops-worker`.
set -euo pipefail

if [ "$#" -ne 1 ]; then
  echo "usage: $0 <image>   (e.g. movie-mlops/api:1.2.0)" >&2
  exit 2
fi
IMAGE="$1"
NAMESPACE=movie-mlops # set by deploy/k8s/kustomization.yaml
ROLLOUT_TIMEOUT="${MLOPS_K8S_ROLLOUT_TIMEOUT:-10m}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

log() { printf '[deploy] %s\n' "$*" >&2; }
command -v kubectl >/dev/null || {
  log "error: kubectl not found"
  exit 1
}

kubectl get namespace "$NAMESPACE" >/dev/null 2>&1 || kubectl create namespace "$NAMESPACE"

if [ -n "${MLOPS_DATABASE_URL:-}" ]; then
  log "secret mlops-secrets in $NAMESPACE"
  kubectl -n "$NAMESPACE" create secret generic mlops-secrets \
    --from-literal=MLOPS_DATABASE_URL="$MLOPS_DATABASE_URL" \
    --from-literal=REDIS_URL="${REDIS_URL:?REDIS_URL is required with MLOPS_DATABASE_URL}" \
    --from-literal=S3_ACCESS_KEY_ID="${S3_ACCESS_KEY_ID:-}" \
    --from-literal=S3_SECRET_ACCESS_KEY="${S3_SECRET_ACCESS_KEY:-}" \
    --from-literal=MLOPS_ADMIN_TOKEN="${MLOPS_ADMIN_TOKEN:-}" \
    --from-literal=MLOPS_ALERT_WEBHOOK_URL="${MLOPS_ALERT_WEBHOOK_URL:-}" \
    --from-literal=TMDB_API_KEY="${TMDB_API_KEY:-}" \
    --dry-run=client -o yaml | kubectl apply -f -
else
  kubectl -n "$NAMESPACE" get secret mlops-secrets >/dev/null ||
    {
      log "error: secret mlops-secrets missing in $NAMESPACE: create it (deploy/k8s/secret.yaml) or set MLOPS_DATABASE_URL"
      exit 1
    }
fi

log "applying deploy/k8s with image $IMAGE"
kubectl kustomize "$REPO/deploy/k8s" |
  sed -E "s#^([[:space:]]*image:[[:space:]]*)movie-mlops/api:[^[:space:]]+#\\1$IMAGE#" |
  kubectl apply -f -

log "waiting for the rollout (migrations run first, in the API's init container)"
kubectl -n "$NAMESPACE" rollout status deployment/mlops-api --timeout="$ROLLOUT_TIMEOUT"
kubectl -n "$NAMESPACE" rollout status deployment/mlops-worker --timeout="$ROLLOUT_TIMEOUT"
log "deployed $IMAGE to $NAMESPACE"
