import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { fetchRun, type RunSummary } from '../api/client';
import {
  deleteModelAlias,
  fetchModelVersion,
  fetchRegisteredModel,
  type ModelVersionDetail,
  setModelAlias,
  updateModelVersionDescription,
} from '../api/tracking-client';
import { ArtifactBrowser } from '../components/artifact-browser';
import { formatValue } from '../components/run-format';
import { formatTime } from '../components/time';
import { useCan } from '../components/use-role';
import '../styles-tracking.css';
import { usePageSubject } from '../components/page-title';

interface Loaded {
  version: ModelVersionDetail;
  run: RunSummary | undefined;
  /** The version the `champion` alias points at, and its run, when it is another version. */
  champion: { version: string; run: RunSummary | undefined } | undefined;
}

/**
 * One registered model version: its source run, dataset, metrics against the champion's, tags, an
 * editable description, its aliases (admins edit them; the server refuses anyone else) and its files.
 */
export function ModelVersionPage() {
  const { name = '', version = '' } = useParams();
  const [loaded, setLoaded] = useState<Loaded>();
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const canEdit = useCan('editor');
  const isAdmin = useCan('admin');
  usePageSubject(`${name} v${version}`);

  const load = useCallback(() => {
    loadVersion(name, version)
      .then((answer) => {
        setLoaded(answer);
        setError(undefined);
      })
      .catch((failure: Error) => setError(failure.message));
  }, [name, version]);
  useEffect(load, [load]);

  const act = (work: Promise<unknown>, done: string) =>
    work
      .then(() => {
        setNotice(done);
        setError(undefined);
        load();
      })
      .catch((failure: Error) => setError(failure.message));

  const detail = loaded?.version;
  const run = loaded?.run;
  const datasetVersion =
    detail?.tags?.find((tag) => tag.key === 'dataset_version')?.value ??
    run?.data.params?.find((param) => param.key === 'dataset_version')?.value;
  const root =
    run && detail?.source.startsWith(`${run.info.artifact_uri}/`)
      ? detail.source.slice(run.info.artifact_uri.length + 1)
      : '';

  return (
    <section className="page" aria-labelledby="version-title">
      <div className="page-head">
        <div>
          <h1 id="version-title">
            {name} v{version}
          </h1>
          <p className="muted">
            <Link to={`/models/${encodeURIComponent(name)}`}>All versions of {name}</Link>
          </p>
        </div>
      </div>
      {error && (
        <div className="banner banner-error" role="alert">
          <strong>Cannot do that.</strong> {error}
        </div>
      )}
      {notice && (
        <div className="banner banner-ok" role="status" data-testid="version-notice">
          {notice}
        </div>
      )}
      {detail && (
        <>
          <dl className="facts" data-testid="version-overview">
            <dt>Stage</dt>
            <dd>
              <span className="badge badge-neutral">{detail.current_stage}</span>
            </dd>
            <dt>Registered</dt>
            <dd>{formatTime(detail.creation_timestamp)}</dd>
            <dt>Source run</dt>
            <dd>
              {detail.run_id ? (
                <Link to={`/runs/${detail.run_id}`} data-testid="source-run">
                  {run?.info.run_name || detail.run_id.slice(0, 12)}
                </Link>
              ) : (
                '—'
              )}
            </dd>
            <dt>Dataset</dt>
            <dd>
              {datasetVersion ? (
                <Link to={`/datasets/${datasetVersion}`} data-testid="version-dataset">
                  {datasetVersion.slice(0, 12)}
                </Link>
              ) : (
                '—'
              )}
            </dd>
            <dt>Source</dt>
            <dd className="mono wrap">{detail.source}</dd>
          </dl>
          <Description
            key={detail.description}
            text={detail.description}
            canEdit={canEdit}
            onSave={(text) => act(updateModelVersionDescription(name, version, text), 'Description saved.')}
          />
          <h2 className="section-title">Aliases</h2>
          <Aliases
            aliases={detail.aliases ?? []}
            isAdmin={isAdmin}
            onAdd={(alias) => act(setModelAlias(name, alias, version), `Alias ${alias} now points here.`)}
            onRemove={(alias) => act(deleteModelAlias(name, alias), `Alias ${alias} removed.`)}
          />
          <h2 className="section-title">Metrics against the champion</h2>
          <ChampionComparison loaded={loaded} />
          <h2 className="section-title">Tags</h2>
          {(detail.tags ?? []).length === 0 ? (
            <p className="muted">No tag.</p>
          ) : (
            <div className="table-wrap">
              <table className="key-values" data-testid="version-tags">
                <tbody>
                  {detail.tags?.map((tag) => (
                    <tr key={tag.key}>
                      <th scope="row">{tag.key}</th>
                      <td className="mono wrap">{tag.value}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <h2 className="section-title">Artifacts</h2>
          {run ? <ArtifactBrowser run={run} root={root} /> : <p className="muted">No source run.</p>}
        </>
      )}
    </section>
  );
}

async function loadVersion(name: string, version: string): Promise<Loaded> {
  const [{ model_version: detail }, { registered_model: model }] = await Promise.all([
    fetchModelVersion(name, version),
    fetchRegisteredModel(name),
  ]);
  const runOf = (runId: string) =>
    runId ? fetchRun(runId).then((answer) => answer.run) : Promise.resolve(undefined);
  const championVersion = model.aliases?.find((alias) => alias.alias === 'champion')?.version;
  const [run, champion] = await Promise.all([
    runOf(detail.run_id),
    championVersion === undefined || championVersion === version
      ? Promise.resolve(undefined)
      : fetchModelVersion(name, championVersion).then(async ({ model_version: other }) => ({
          version: other.version,
          run: await runOf(other.run_id),
        })),
  ]);
  return { version: detail, run, champion };
}

function ChampionComparison({ loaded }: { loaded: Loaded }) {
  const metrics = loaded.run?.data.metrics ?? [];
  if (metrics.length === 0) return <p className="muted">The source run logged no metric.</p>;
  const isChampion = loaded.version.aliases?.includes('champion') ?? false;
  const championOf = (key: string) =>
    loaded.champion?.run?.data.metrics?.find((metric) => metric.key === key)?.value;
  return (
    <>
      <p className="muted small">
        {isChampion
          ? 'This version is the champion.'
          : loaded.champion
            ? `Champion: version ${loaded.champion.version}.`
            : 'No champion yet.'}
      </p>
      <div className="table-wrap">
        <table data-testid="champion-table">
          <thead>
            <tr>
              <th scope="col">Metric</th>
              <th scope="col">This version</th>
              <th scope="col">Champion{loaded.champion ? ` (v${loaded.champion.version})` : ''}</th>
              <th scope="col">Difference</th>
            </tr>
          </thead>
          <tbody>
            {[...metrics]
              .sort((a, b) => a.key.localeCompare(b.key))
              .map((metric) => {
                const other = isChampion ? metric.value : championOf(metric.key);
                const delta = other === undefined ? undefined : metric.value - other;
                return (
                  <tr key={metric.key}>
                    <th scope="row">{metric.key}</th>
                    <td className="mono">{formatValue(metric.value)}</td>
                    <td className="mono">{other === undefined ? '—' : formatValue(other)}</td>
                    <td className="mono">
                      {delta === undefined ? '—' : `${delta > 0 ? '+' : ''}${formatValue(delta)}`}
                    </td>
                  </tr>
                );
              })}
          </tbody>
        </table>
      </div>
    </>
  );
}

function Description(props: { text: string; canEdit: boolean; onSave: (text: string) => void }) {
  const [isEditing, setIsEditing] = useState(false);
  const [draft, setDraft] = useState(props.text);
  return (
    <div className="note" data-testid="version-description">
      <div className="section-head">
        <h2 className="section-title">Description</h2>
        {props.canEdit && !isEditing && (
          <button type="button" className="button" onClick={() => setIsEditing(true)}>
            Edit description
          </button>
        )}
      </div>
      {isEditing ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            setIsEditing(false);
            props.onSave(draft);
          }}
        >
          <label className="grow">
            <span className="visually-hidden">Description</span>
            <textarea rows={3} value={draft} onChange={(event) => setDraft(event.target.value)} />
          </label>
          <div className="dialog-actions">
            <button type="button" className="button" onClick={() => setIsEditing(false)}>
              Cancel
            </button>
            <button type="submit" className="button button-primary">
              Save description
            </button>
          </div>
        </form>
      ) : (
        <p className={props.text ? 'note-text' : 'muted'} data-testid="description-text">
          {props.text || 'No description.'}
        </p>
      )}
    </div>
  );
}

function Aliases(props: {
  aliases: string[];
  isAdmin: boolean;
  onAdd: (alias: string) => void;
  onRemove: (alias: string) => void;
}) {
  const [draft, setDraft] = useState('');
  return (
    <div data-testid="version-aliases">
      <p>
        {props.aliases.length === 0 && <span className="muted">No alias points at this version. </span>}
        {props.aliases.map((alias) => (
          <span key={alias} className="alias">
            <span className={`badge ${alias === 'champion' ? 'badge-up' : 'badge-neutral'}`}>{alias}</span>
            {props.isAdmin && (
              <button
                type="button"
                className="link-button"
                aria-label={`Remove alias ${alias}`}
                onClick={() => props.onRemove(alias)}
              >
                ×
              </button>
            )}
          </span>
        ))}
      </p>
      {props.isAdmin ? (
        <form
          className="filters"
          onSubmit={(event) => {
            event.preventDefault();
            if (draft.trim() === '') return;
            props.onAdd(draft.trim());
            setDraft('');
          }}
        >
          <label>
            New alias
            <input
              value={draft}
              onChange={(event) => setDraft(event.target.value)}
              placeholder="challenger"
            />
          </label>
          <button type="submit" className="button">
            Set alias
          </button>
        </form>
      ) : (
        <p className="muted small" data-testid="alias-admin-only">
          Only admins change aliases (they decide what is served).
        </p>
      )}
    </div>
  );
}
