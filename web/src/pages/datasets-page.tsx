import { Link } from 'react-router';
import { fetchDatasets } from '../api/client';
import { usePolling } from '../api/use-polling';
import { formatTime } from '../components/time';

/** Dataset versions, newest first, with their validation state. */
export function DatasetsPage() {
  const { data, error, isLoading } = usePolling(fetchDatasets, 15_000);
  return (
    <section className="page" aria-labelledby="datasets-title">
      <div className="page-head">
        <div>
          <h1 id="datasets-title">Datasets</h1>
          <p className="muted">Content-addressed versions: the id is the SHA-256 of the file.</p>
        </div>
      </div>
      {error && (
        <div className="banner banner-error" role="alert">
          <strong>Cannot load datasets.</strong> {error.message}
        </div>
      )}
      {isLoading && !data && <p className="muted">Loading dataset versions…</p>}
      {data && data.versions.length === 0 && (
        <p className="muted">No dataset yet: run `mlops data generate`.</p>
      )}
      {data && data.versions.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Dataset</th>
                <th scope="col">Source</th>
                <th scope="col">Rows</th>
                <th scope="col">Size</th>
                <th scope="col">Valid</th>
                <th scope="col">Written</th>
              </tr>
            </thead>
            <tbody>
              {data.versions.map((version) => (
                <tr key={version.version_id} data-testid="dataset-row">
                  <td className="mono" title={version.version_id}>
                    <Link to={`/datasets/${version.version_id}`}>{version.version_id.slice(0, 12)}</Link>
                  </td>
                  <td>{version.dataset}</td>
                  <td>{version.source}</td>
                  <td>{version.row_count?.toLocaleString() ?? '—'}</td>
                  <td>{formatBytes(version.size_bytes)}</td>
                  <td>
                    <span
                      className={`badge ${version.is_valid === null ? 'badge-neutral' : version.is_valid ? 'badge-up' : 'badge-down'}`}
                    >
                      {version.is_valid === null ? 'not run' : version.is_valid ? 'valid' : 'invalid'}
                    </span>
                  </td>
                  <td>{formatTime(version.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}
