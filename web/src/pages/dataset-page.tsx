import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { type DatasetDetail, fetchDataset } from '../api/client';
import { usePageSubject } from '../components/page-title';

/** Where a lineage node lives in the UI: datasets and runs have pages, model versions their model. */
function linkOf(node: { kind: string; id: string }): string | undefined {
  if (node.kind === 'dataset') return `/datasets/${node.id}`;
  if (node.kind === 'run') return `/runs/${node.id}`;
  if (node.kind === 'model_version') {
    const [name = '', version] = node.id.split('/');
    return `/models/${encodeURIComponent(name)}${version === undefined ? '' : `/versions/${version}`}`;
  }
  return undefined;
}

function NodeLink({ node }: { node: { kind: string; id: string } }) {
  const label = `${node.kind.replace('_', ' ')} ${node.kind === 'model_version' ? node.id : node.id.slice(0, 12)}`;
  const to = linkOf(node);
  return to === undefined ? <span>{label}</span> : <Link to={to}>{label}</Link>;
}

/** One dataset version: its facts, its validation report expectation by expectation, and its lineage. */
export function DatasetPage() {
  const { version = '' } = useParams();
  const [detail, setDetail] = useState<DatasetDetail>();
  const [error, setError] = useState<string>();
  usePageSubject(detail ? `${detail.dataset} ${detail.version_id.slice(0, 12)}` : undefined);

  useEffect(() => {
    fetchDataset(version)
      .then((answer) => {
        setDetail(answer);
        setError(undefined);
      })
      .catch((failure: Error) => setError(failure.message));
  }, [version]);

  return (
    <section className="page" aria-labelledby="dataset-title">
      <div className="page-head">
        <div>
          <h1 id="dataset-title">
            {detail ? `${detail.dataset} ${detail.version_id.slice(0, 12)}` : 'Dataset version'}
          </h1>
          <p className="muted">
            <Link to="/datasets">All datasets</Link>
            {detail &&
              ` · ${detail.row_count?.toLocaleString() ?? '?'} rows from ${detail.source} · code ${detail.code_revision.slice(0, 12)}`}
          </p>
        </div>
      </div>
      {error && (
        <div className="banner banner-error" role="alert">
          <strong>Cannot load this version.</strong> {error}
        </div>
      )}
      {detail && (
        <>
          <h2 className="section-title">
            Validation{' '}
            <span
              className={`badge ${detail.validation === null ? 'badge-neutral' : detail.validation.passed ? 'badge-up' : 'badge-down'}`}
            >
              {detail.validation === null ? 'not run' : detail.validation.passed ? 'passed' : 'failed'}
            </span>
          </h2>
          {detail.validation && (
            <div className="table-wrap">
              <table data-testid="validation-table" className="wrap-cells">
                <thead>
                  <tr>
                    <th scope="col">Expectation</th>
                    <th scope="col">Column</th>
                    <th scope="col">Severity</th>
                    <th scope="col">Expected</th>
                    <th scope="col">Observed</th>
                    <th scope="col">Result</th>
                  </tr>
                </thead>
                <tbody>
                  {detail.validation.results.map((result) => (
                    <tr key={`${result.expectation}-${result.column ?? ''}`}>
                      <td>{result.expectation}</td>
                      <td className="mono">{result.column ?? '—'}</td>
                      <td>{result.severity}</td>
                      <td className="wrap">{result.expected}</td>
                      <td className="wrap">{result.observed}</td>
                      <td>
                        <span className={`badge ${result.passed ? 'badge-up' : 'badge-down'}`}>
                          {result.passed ? 'pass' : 'fail'}
                        </span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <h2 className="section-title">Lineage</h2>
          <div className="lineage" data-testid="lineage">
            <div>
              <h3 className="small muted">Made from</h3>
              <ul className="history">
                {detail.lineage.ancestors.length === 0 && (
                  <li className="muted">nothing recorded (a source)</li>
                )}
                {detail.lineage.ancestors.map((node) => (
                  <li
                    key={`${node.kind}:${node.id}`}
                    style={{ paddingLeft: `${(node.depth - 1) * 1.25}rem` }}
                  >
                    <NodeLink node={node} />
                  </li>
                ))}
              </ul>
            </div>
            <div>
              <h3 className="small muted">Used by</h3>
              <ul className="history">
                {detail.lineage.children.length === 0 && <li className="muted">nothing yet</li>}
                {detail.lineage.children.map((node) => (
                  <li key={`${node.kind}:${node.id}`}>
                    <NodeLink node={node} />
                  </li>
                ))}
              </ul>
            </div>
          </div>
        </>
      )}
    </section>
  );
}
