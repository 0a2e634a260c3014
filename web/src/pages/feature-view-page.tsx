import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { Bar, BarChart, ResponsiveContainer, Tooltip, XAxis } from 'recharts';
import { type FeatureStatistic, type FeatureViewDetail, fetchFeatureView } from '../api/client';
import { usePageSubject } from '../components/page-title';

function number(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return Number.isInteger(value) ? value.toLocaleString() : value.toFixed(3);
}

/** A feature's distribution: histogram bars for numbers, the most frequent values for strings. */
function Distribution({ stat }: { stat: FeatureStatistic }) {
  if (stat.histogram) {
    const data = stat.histogram.counts.map((count, index) => ({
      bin: number(stat.histogram?.edges[index]),
      count,
    }));
    return (
      <div className="spark" role="img" aria-label={`histogram of ${stat.name}`}>
        <ResponsiveContainer width="100%" height={56}>
          <BarChart data={data} margin={{ top: 2, right: 0, bottom: 0, left: 0 }}>
            <XAxis dataKey="bin" hide />
            <Tooltip
              formatter={(value) => [Number(value).toLocaleString(), 'rows']}
              labelFormatter={(label) => `from ${label}`}
            />
            <Bar dataKey="count" fill="var(--accent)" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    );
  }
  if (stat.top && stat.top.length > 0) {
    return (
      <span className="small">
        {stat.top
          .slice(0, 4)
          .map((item) => `${item.value} (${item.count.toLocaleString()})`)
          .join(', ')}
      </span>
    );
  }
  if (typeof stat.min === 'string') return <span className="small">{`${stat.min} … ${stat.max}`}</span>;
  return <span className="muted">—</span>;
}

/** One feature view: definition, versions, latest build's validation and per-feature statistics. */
export function FeatureViewPage() {
  const { name = '' } = useParams();
  usePageSubject(name);
  const [detail, setDetail] = useState<FeatureViewDetail>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    fetchFeatureView(name)
      .then((answer) => {
        setDetail(answer);
        setError(undefined);
      })
      .catch((failure: Error) => setError(failure.message));
  }, [name]);

  const build = detail?.builds[0];
  const source = detail?.spec.source as
    | { inputs: string[]; query: string; timestamp_field: string }
    | undefined;
  return (
    <section className="page" aria-labelledby="feature-view-title">
      <div className="page-head">
        <div>
          <h1 id="feature-view-title">{name}</h1>
          <p className="muted">
            <Link to="/features">All features</Link>
            {detail && ` · version ${detail.version} · ${String(detail.spec.description ?? '')}`}
          </p>
        </div>
      </div>
      {error && (
        <div className="banner banner-error" role="alert">
          <strong>Cannot load this feature view.</strong> {error}
        </div>
      )}
      {detail && (
        <>
          <div className="card">
            <h2>Definition</h2>
            <dl>
              <dt>Entities</dt>
              <dd>{((detail.spec.entities as string[]) ?? []).join(', ')}</dd>
              <dt>TTL</dt>
              <dd>
                {Number(detail.spec.ttl_seconds ?? 0) === 0
                  ? 'none'
                  : `${Number(detail.spec.ttl_seconds) / 86_400} days`}
              </dd>
              <dt>Inputs</dt>
              <dd>{source?.inputs.join(', ')}</dd>
              <dt>Timestamp</dt>
              <dd className="mono">{source?.timestamp_field}</dd>
              <dt>Push source</dt>
              <dd className="mono">
                {typeof detail.spec.push_source === 'string' ? detail.spec.push_source : 'none'}
              </dd>
              <dt>Online</dt>
              <dd>
                {detail.materialization === null
                  ? 'not materialized'
                  : `${detail.materialization.row_count.toLocaleString()} entities (${detail.materialization.mode}, as of ${new Date(detail.materialization.end_ts).toLocaleString()})`}
              </dd>
            </dl>
            <details>
              <summary>Source query</summary>
              <pre className="code">{source?.query}</pre>
            </details>
          </div>
          {build === undefined ? (
            <p className="muted">Not built yet: run `mlops features build --view {name}`.</p>
          ) : (
            <>
              <h2 className="section-title">
                Latest build{' '}
                <span className={`badge ${build.validation.passed ? 'badge-up' : 'badge-down'}`}>
                  {build.validation.passed ? 'valid' : 'invalid'}
                </span>
              </h2>
              <p className="muted">
                {build.row_count.toLocaleString()} rows · {new Date(build.created_at).toLocaleString()} ·
                dataset{' '}
                <Link to={`/datasets/${build.dataset_version_id}`} className="mono">
                  {build.dataset_version_id.slice(0, 12)}
                </Link>{' '}
                from{' '}
                {build.inputs.map((input) => `${input.dataset} ${input.version_id.slice(0, 8)}`).join(', ')}
              </p>
              <ul className="checks">
                {build.validation.checks.map((check) => (
                  <li key={check.check}>
                    <span className={`badge ${check.passed ? 'badge-up' : 'badge-down'}`}>
                      {check.passed ? 'pass' : 'fail'}
                    </span>{' '}
                    {check.check} <span className="muted">({check.detail})</span>
                  </li>
                ))}
              </ul>
              <div className="table-wrap">
                <table data-testid="feature-stats">
                  <thead>
                    <tr>
                      <th scope="col">Feature</th>
                      <th scope="col">Type</th>
                      <th scope="col">Nulls</th>
                      <th scope="col">Mean</th>
                      <th scope="col">Std</th>
                      <th scope="col">p5 / p50 / p95</th>
                      <th scope="col">Distribution</th>
                    </tr>
                  </thead>
                  <tbody>
                    {build.statistics.features.map((stat) => (
                      <tr key={stat.name}>
                        <td className="mono">{stat.name}</td>
                        <td>{stat.dtype}</td>
                        <td>{`${(stat.null_share * 100).toFixed(1)} %`}</td>
                        <td>{number(stat.mean)}</td>
                        <td>{number(stat.std)}</td>
                        <td>
                          {stat.quantiles
                            ? `${number(stat.quantiles.p05)} / ${number(stat.quantiles.p50)} / ${number(stat.quantiles.p95)}`
                            : '—'}
                        </td>
                        <td className="distribution">
                          <Distribution stat={stat} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
          <h2 className="section-title">Versions</h2>
          <ul>
            {detail.versions.map((version) => (
              <li key={version.version}>
                v{version.version} applied {new Date(version.applied_at).toLocaleString()}
                {version.removed_at && ` · removed ${new Date(version.removed_at).toLocaleString()}`}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
