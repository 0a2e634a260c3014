/**
 * The MLflow client prints links to the MLflow UI's hash routes ("View run at
 * http://host/#/experiments/1/runs/<id>"). This maps them onto our own pages, so the link opens the run
 * or experiment it names. Returns undefined for a hash that is not an MLflow route.
 */
export function pageForMlflowHash(hash: string): string | undefined {
  const route = hash.replace(/^#/, '').split('?')[0] ?? '';
  const parts = route.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, id, second, sub] = parts;
  if (first === 'experiments' && id !== undefined) {
    if (second === 'runs' && sub !== undefined) return `/runs/${encodeURIComponent(sub)}`;
    return `/runs?experiment=${encodeURIComponent(id)}`;
  }
  if (first === 'models') {
    if (id === undefined) return '/models';
    const model = `/models/${encodeURIComponent(id)}`;
    return second === 'versions' && sub !== undefined
      ? `${model}/versions/${encodeURIComponent(sub)}`
      : model;
  }
  if (first === 'compare-runs') {
    const runs = /runs=([^&]*)/.exec(hash)?.[1];
    let ids: unknown;
    try {
      ids = runs === undefined ? undefined : JSON.parse(decodeURIComponent(runs));
    } catch {
      return undefined;
    }
    if (Array.isArray(ids) && ids.every((item) => typeof item === 'string'))
      return `/runs/compare?ids=${ids.map(encodeURIComponent).join(',')}`;
  }
  return undefined;
}
