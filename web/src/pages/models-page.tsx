import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import {
  fetchModelHistory,
  fetchModels,
  fetchModelVersions,
  type ModelChange,
  promoteVersion,
  type RegisteredModelSummary,
  rollbackModel,
  type VersionComparison,
} from '../api/client';
import { usePageSubject } from '../components/page-title';
import { formatTime } from '../components/time';

const METRICS: [string, string][] = [
  ['ndcg_at_10', 'NDCG@10'],
  ['recall_at_10', 'Recall@10'],
  ['coverage_at_10', 'Coverage'],
];

/** What a confirmation dialog is about to do. */
type Pending = { kind: 'promote'; version: string; refusal?: string[] } | { kind: 'rollback' };

/**
 * The model registry: every registered model, and for one model its versions with their metrics,
 * algorithm, dataset, stage and aliases; promote (through the promotion policy, with a forced override)
 * and roll back, each behind a confirmation dialog. Serving follows within seconds.
 */
export function ModelsPage() {
  const { name } = useParams();
  usePageSubject(name);
  const [models, setModels] = useState<RegisteredModelSummary[]>();
  const [versions, setVersions] = useState<VersionComparison[]>();
  const [history, setHistory] = useState<ModelChange[]>([]);
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [pending, setPending] = useState<Pending>();
  const dialog = useRef<HTMLDialogElement>(null);
  const selected = name ?? models?.[0]?.name;

  const load = useCallback(() => {
    fetchModels()
      .then((answer) => setModels(answer.models))
      .catch((failure: Error) => setError(failure.message));
    if (selected === undefined) return;
    Promise.all([fetchModelVersions(selected), fetchModelHistory(selected)])
      .then(([compared, detail]) => {
        setVersions([...compared.versions].reverse());
        setHistory(detail.history.slice(0, 8));
        setError(undefined);
      })
      .catch((failure: Error) => setError(failure.message));
  }, [selected]);

  useEffect(load, [load]);

  useEffect(() => {
    if (pending) dialog.current?.showModal();
    else dialog.current?.close();
  }, [pending]);

  const confirm = async (force: boolean) => {
    if (!pending || !selected) return;
    try {
      if (pending.kind === 'rollback') {
        const answer = await rollbackModel(selected);
        setNotice(`Rolled back: version ${answer.to} is champion again (was ${answer.from}).`);
      } else {
        await promoteVersion(selected, pending.version, force);
        setNotice(
          `Version ${pending.version} is now champion${force ? ' (forced)' : ''}; serving switches to it within seconds.`,
        );
      }
      setPending(undefined);
      load();
    } catch (failure) {
      const message = (failure as Error).message;
      if (pending.kind === 'promote' && /was not promoted: /.test(message))
        setPending({ ...pending, refusal: message.replace(/^.*was not promoted: /, '').split('; ') });
      else {
        setPending(undefined);
        setError(message);
      }
    }
  };

  const champion = versions?.find((version) => version.aliases.includes('champion'))?.version;
  return (
    <section className="page" aria-labelledby="models-title">
      <div className="page-head">
        <div>
          <h1 id="models-title">Models</h1>
          <p className="muted">
            {models === undefined
              ? 'Loading the registry…'
              : models.length === 0
                ? 'No registered model yet: train one with `mlops train -a als`.'
                : `${models.length} registered model${models.length === 1 ? '' : 's'}`}
          </p>
        </div>
        {selected && (
          <button type="button" className="button" onClick={() => setPending({ kind: 'rollback' })}>
            Roll back champion
          </button>
        )}
      </div>
      {models && models.length > 1 && (
        <nav className="tabs" aria-label="Registered models">
          {models.map((model) => (
            <Link
              key={model.name}
              to={`/models/${encodeURIComponent(model.name)}`}
              aria-current={model.name === selected ? 'page' : undefined}
            >
              {model.name}
            </Link>
          ))}
        </nav>
      )}
      {error && (
        <div className="banner banner-error" role="alert">
          <strong>Cannot do that.</strong> {error}
        </div>
      )}
      {notice && (
        <div className="banner banner-ok" role="status" data-testid="registry-notice">
          {notice}
        </div>
      )}
      {selected && versions && (
        <>
          <h2 className="section-title">
            {selected}{' '}
            <span className="muted small">champion: {champion ? `version ${champion}` : 'none'}</span>
          </h2>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Algorithm</th>
                  {METRICS.map(([, label]) => (
                    <th scope="col" key={label}>
                      {label}
                    </th>
                  ))}
                  <th scope="col">Dataset</th>
                  <th scope="col">Stage</th>
                  <th scope="col">Aliases</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {versions.map((version) => (
                  <tr key={version.version} data-testid="version-row">
                    <td>
                      <Link
                        to={`/models/${encodeURIComponent(selected)}/versions/${encodeURIComponent(version.version)}`}
                        title={`run ${version.run_id}`}
                      >
                        v{version.version}
                      </Link>
                    </td>
                    <td>{version.params.algorithm ?? '—'}</td>
                    {METRICS.map(([key]) => (
                      <td key={key} className="mono">
                        {typeof version.metrics[key] === 'number'
                          ? (version.metrics[key] as number).toFixed(4)
                          : '—'}
                      </td>
                    ))}
                    <td className="mono" title={version.params.dataset_version}>
                      {version.params.dataset_version ? (
                        <Link to={`/datasets/${encodeURIComponent(version.params.dataset_version)}`}>
                          {version.params.dataset_version.slice(0, 12)}
                        </Link>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td>{version.current_stage}</td>
                    <td>
                      {version.aliases.map((alias) => (
                        <span key={alias} className={`badge ${alias === 'champion' ? 'badge-up' : ''}`}>
                          {alias}
                        </span>
                      ))}
                    </td>
                    <td>
                      {!version.aliases.includes('champion') && (
                        <button
                          type="button"
                          className="button"
                          aria-label={`Promote version ${version.version}`}
                          onClick={() => setPending({ kind: 'promote', version: version.version })}
                        >
                          Promote
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2 className="section-title">Recent changes</h2>
          <ul className="history" aria-label="Recent changes">
            {history.map((change) => (
              <li key={change.transition_id}>
                <span className="mono">{formatTime(change.created_at)}</span> · {change.change}{' '}
                {change.from_value ?? '∅'} → {change.to_value ?? '∅'} (v{change.version}) by {change.actor}:{' '}
                {change.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      <dialog
        ref={dialog}
        className="confirm"
        aria-labelledby="confirm-title"
        onClose={() => setPending(undefined)}
      >
        {pending && (
          <form method="dialog" onSubmit={(event) => event.preventDefault()}>
            <h2 id="confirm-title">
              {pending.kind === 'rollback'
                ? `Roll back ${selected}?`
                : `Promote version ${pending.version} of ${selected}?`}
            </h2>
            <p>
              {pending.kind === 'rollback'
                ? 'The previous champion gets the champion alias back; serving switches to it within seconds.'
                : 'It becomes champion (stage Production) if the promotion policy agrees; serving switches to it within seconds.'}
            </p>
            {pending.kind === 'promote' && pending.refusal && (
              <div className="banner banner-warn" role="alert">
                <strong>The promotion policy says no:</strong>
                <ul>
                  {pending.refusal.map((reason) => (
                    <li key={reason}>{reason}</li>
                  ))}
                </ul>
              </div>
            )}
            <div className="dialog-actions">
              <button type="button" className="button" onClick={() => setPending(undefined)}>
                Cancel
              </button>
              {pending.kind === 'promote' && pending.refusal ? (
                <button type="button" className="button button-danger" onClick={() => confirm(true)}>
                  Promote anyway
                </button>
              ) : (
                <button type="button" className="button button-primary" onClick={() => confirm(false)}>
                  {pending.kind === 'rollback' ? 'Roll back' : 'Promote'}
                </button>
              )}
            </div>
          </form>
        )}
      </dialog>
    </section>
  );
}
