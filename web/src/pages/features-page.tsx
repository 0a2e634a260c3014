import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import {
  type EntityFeatures,
  type FeatureViewSummary,
  fetchEntityFeatures,
  fetchFeatureRegistry,
} from '../api/client';
import { usePolling } from '../api/use-polling';

function formatTtl(seconds: number): string {
  if (seconds === 0) return 'none';
  if (seconds % 86_400 === 0) return `${seconds / 86_400} d`;
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  return `${seconds} s`;
}

function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : value.toFixed(3);
  if (Array.isArray(value)) {
    const shown = value
      .slice(0, 6)
      .map((item) => (typeof item === 'number' ? item.toFixed(2) : String(item)));
    return `[${shown.join(', ')}${value.length > 6 ? `, … ${value.length - 6} more` : ''}]`;
  }
  return String(value);
}

function ViewRow({ view }: { view: FeatureViewSummary }) {
  const schema = (view.spec.schema as { name: string }[] | undefined) ?? [];
  const build = view.latest_build;
  return (
    <tr data-testid="feature-view-row">
      <td className="wrap">
        <Link to={`/features/${view.name}`}>{view.name}</Link>
        <div className="muted small">{view.spec.description}</div>
      </td>
      <td>{((view.spec.entities as string[] | undefined) ?? []).join(', ')}</td>
      <td>{schema.length}</td>
      <td>{formatTtl(Number(view.spec.ttl_seconds ?? 0))}</td>
      <td>v{view.version}</td>
      <td>
        {build === null ? (
          <span className="badge badge-unknown">not built</span>
        ) : (
          <>
            <span className={`badge ${build.is_valid ? 'badge-up' : 'badge-down'}`}>
              {build.is_valid ? 'valid' : 'invalid'}
            </span>{' '}
            {build.row_count.toLocaleString()} rows
          </>
        )}
      </td>
      <td>
        {view.materialization === null
          ? 'not materialized'
          : `${view.materialization.row_count.toLocaleString()} entities, as of ${new Date(view.materialization.end_ts).toLocaleString()}`}
      </td>
    </tr>
  );
}

/** Look up one movie's or user's online features, as models read them. */
function EntityLookup({ entities }: { entities: string[] }) {
  const [entityType, setEntityType] = useState(entities[0] ?? 'movie');
  const [id, setId] = useState('1');
  const [answer, setAnswer] = useState<EntityFeatures>();
  const [error, setError] = useState<string>();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    fetchEntityFeatures(entityType, id.trim())
      .then((result) => {
        setAnswer(result);
        setError(undefined);
      })
      .catch((failure: Error) => {
        setAnswer(undefined);
        setError(failure.message);
      });
  };

  return (
    <div className="card feature-lookup">
      <h2>Online features of one entity</h2>
      <form className="filters" onSubmit={submit}>
        <label>
          Entity{' '}
          <select value={entityType} onChange={(event) => setEntityType(event.target.value)}>
            {entities.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Id{' '}
          <input
            value={id}
            onChange={(event) => setId(event.target.value)}
            placeholder="123, 7 or test_user_001"
          />
        </label>
        <button className="button" type="submit">
          Look up
        </button>
      </form>
      {error && (
        <div className="banner banner-error" role="alert">
          {error}
        </div>
      )}
      {answer && (
        <>
          <p className="muted">
            {answer.entity_type} {String(answer.entity_id)}:{' '}
            {answer.found ? 'found in the online store' : 'no online values (NOT_FOUND)'}
          </p>
          <div className="table-wrap">
            <table data-testid="entity-features">
              <thead>
                <tr>
                  <th scope="col">Feature</th>
                  <th scope="col">Value</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(answer.features).map(([name, value]) => (
                  <tr key={name}>
                    <td className="mono">{name}</td>
                    <td>{formatValue(value)}</td>
                    <td>
                      <span
                        className={`badge ${answer.statuses[name] === 'PRESENT' ? 'badge-up' : 'badge-unknown'}`}
                      >
                        {answer.statuses[name]}
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </div>
  );
}

/** The feature registry: views with their builds and materialization, on-demand views, services. */
export function FeaturesPage() {
  const { data, error, isLoading } = usePolling(fetchFeatureRegistry, 15_000);
  return (
    <section className="page" aria-labelledby="features-title">
      <div className="page-head">
        <div>
          <h1 id="features-title">Features</h1>
          <p className="muted">
            Feature views computed from versioned data, materialized into the{' '}
            {data ? <strong>{data.online_store}</strong> : 'online'} store and served at{' '}
            <span className="mono">POST /get-online-features</span>.
          </p>
        </div>
      </div>
      {error && (
        <div className="banner banner-error" role="alert">
          <strong>Cannot load the feature registry.</strong> {error.message}
        </div>
      )}
      {isLoading && !data && <p className="muted">Loading the feature registry…</p>}
      {data && data.feature_views.length === 0 && (
        <p className="muted">No feature definitions applied yet: run `mlops features apply`.</p>
      )}
      {data && data.feature_views.length > 0 && (
        <>
          <h2 className="section-title">Feature views</h2>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">View</th>
                  <th scope="col">Entities</th>
                  <th scope="col">Features</th>
                  <th scope="col">TTL</th>
                  <th scope="col">Version</th>
                  <th scope="col">Latest build</th>
                  <th scope="col">Online</th>
                </tr>
              </thead>
              <tbody>
                {data.feature_views.map((view) => (
                  <ViewRow key={view.name} view={view} />
                ))}
              </tbody>
            </table>
          </div>
          <EntityLookup entities={data.entities.map((entity) => entity.name)} />
          <h2 className="section-title">On-demand views and feature services</h2>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Kind</th>
                  <th scope="col">Features</th>
                  <th scope="col">Description</th>
                </tr>
              </thead>
              <tbody>
                {data.on_demand_feature_views.map((view) => (
                  <tr key={view.name}>
                    <td className="mono">{view.name}</td>
                    <td>on demand</td>
                    <td>
                      {((view.spec.schema as { name: string }[]) ?? []).map((field) => field.name).join(', ')}{' '}
                      ← {((view.spec.sources as string[]) ?? []).join(', ')}
                    </td>
                    <td className="wrap">{view.spec.description}</td>
                  </tr>
                ))}
                {data.feature_services.map((service) => (
                  <tr key={service.name}>
                    <td className="mono">{service.name}</td>
                    <td>service</td>
                    <td className="wrap">{((service.spec.features as string[]) ?? []).join(', ')}</td>
                    <td className="wrap">{service.spec.description}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
