import { useCallback, useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { fetchRun, type RunSummary } from '../api/client';
import {
  type ModelVersionDetail,
  NOTE_TAG,
  registerModel,
  searchModelVersions,
  setRunTag,
} from '../api/tracking-client';
import { ArtifactBrowser } from '../components/artifact-browser';
import { formatDuration, StatusBadge } from '../components/run-format';
import { formatTime } from '../components/time';
import { useCan } from '../components/use-role';
import '../styles-tracking.css';
import { usePageSubject } from '../components/page-title';
import { MetricCharts } from '../components/run-metric-charts';

/** Tags a pipeline run may leave on the runs it starts: which pipeline, which of its runs. */
const PIPELINE_TAGS = ['mlops.pipeline', 'mlops.dag_id', 'airflow.dag_id'];
const PIPELINE_RUN_TAGS = ['mlops.pipeline_run_id', 'mlops.dag_run_id', 'airflow.dag_run_id'];

const tagOf = (run: RunSummary, keys: string[]) =>
  keys.map((key) => run.data.tags?.find((tag) => tag.key === key)?.value).find(Boolean);

/**
 * One run, as MLflow's run page shows it: overview (times, status, source pipeline run, tags, an
 * editable note), parameters, metric charts, artifacts with previews, dataset inputs, the model versions
 * registered from it, and "register model" for editors.
 */
export function RunPage() {
  const { runId = '' } = useParams();
  const [run, setRun] = useState<RunSummary>();
  const [versions, setVersions] = useState<ModelVersionDetail[]>([]);
  const [error, setError] = useState<string>();
  const canEdit = useCan('editor');
  usePageSubject(run ? run.info.run_name || run.info.run_id.slice(0, 12) : undefined);

  const load = useCallback(() => {
    Promise.all([fetchRun(runId), searchModelVersions(`run_id = '${runId}'`)])
      .then(([answer, found]) => {
        setRun(answer.run);
        setVersions(found.model_versions ?? []);
        setError(undefined);
      })
      .catch((failure: Error) => setError(failure.message));
  }, [runId]);
  useEffect(load, [load]);

  const pipeline = run && tagOf(run, PIPELINE_TAGS);
  const pipelineRun = run && tagOf(run, PIPELINE_RUN_TAGS);
  const datasetVersion = run && tagOf(run, ['mlops.dataset_version']);
  const parentRun = run && tagOf(run, ['mlflow.parentRunId']);
  const tags = (run?.data.tags ?? []).filter((tag) => tag.key !== NOTE_TAG).sort(byKey);
  const params = [...(run?.data.params ?? [])].sort(byKey);

  return (
    <section className="page" aria-labelledby="run-title">
      <div className="page-head">
        <div>
          <h1 id="run-title">{run ? run.info.run_name || run.info.run_id : 'Run'}</h1>
          <p className="muted">
            <Link to={run ? `/runs?experiment=${run.info.experiment_id}` : '/runs'}>All runs</Link>
            {run && (
              <>
                {' · '}
                <span className="mono">{run.info.run_id}</span>
              </>
            )}
          </p>
        </div>
        {run && canEdit && <RegisterModel run={run} />}
      </div>
      {error && (
        <div className="banner banner-error" role="alert">
          <strong>Cannot load the run.</strong> {error}
        </div>
      )}
      {run && (
        <>
          <dl className="facts" data-testid="run-overview">
            <dt>Status</dt>
            <dd>
              <StatusBadge status={run.info.status} />
            </dd>
            <dt>Started</dt>
            <dd>{formatTime(run.info.start_time)}</dd>
            <dt>Ended</dt>
            <dd>{run.info.end_time ? formatTime(run.info.end_time) : '—'}</dd>
            <dt>Duration</dt>
            <dd data-testid="run-duration">
              {formatDuration((run.info.end_time || Date.now()) - run.info.start_time)}
              {run.info.end_time ? '' : ' so far'}
            </dd>
            <dt>Experiment</dt>
            <dd>
              <Link to={`/runs?experiment=${run.info.experiment_id}`}>{run.info.experiment_id}</Link>
            </dd>
            {pipeline && (
              <>
                <dt>Pipeline run</dt>
                <dd>
                  <Link
                    to={`/pipelines/${encodeURIComponent(pipeline)}${pipelineRun ? `?run=${encodeURIComponent(pipelineRun)}` : ''}`}
                    data-testid="source-pipeline-run"
                  >
                    {pipeline}
                    {pipelineRun ? ` · ${pipelineRun}` : ''}
                  </Link>
                </dd>
              </>
            )}
            {parentRun && (
              <>
                <dt>Parent run</dt>
                <dd>
                  <Link to={`/runs/${parentRun}`}>{parentRun.slice(0, 12)}</Link>
                </dd>
              </>
            )}
            {datasetVersion && (
              <>
                <dt>Dataset</dt>
                <dd>
                  <Link to={`/datasets/${datasetVersion}`}>{datasetVersion.slice(0, 12)}</Link>
                </dd>
              </>
            )}
          </dl>
          <RunNote run={run} canEdit={canEdit} onSaved={load} />
          <h2 className="section-title">Metrics</h2>
          <MetricCharts run={run} />
          <h2 className="section-title">Parameters</h2>
          <KeyValueTable testId="params-table" rows={params} empty="No parameter logged." />
          <h2 className="section-title">Tags</h2>
          <KeyValueTable testId="tags-table" rows={tags} empty="No tag." />
          <h2 className="section-title">Dataset inputs</h2>
          <DatasetInputs run={run} />
          <h2 className="section-title">Registered model versions</h2>
          {versions.length === 0 ? (
            <p className="muted">No model version was registered from this run.</p>
          ) : (
            <ul className="history" data-testid="run-versions">
              {versions.map((version) => (
                <li key={`${version.name}/${version.version}`}>
                  <Link
                    to={`/models/${encodeURIComponent(version.name)}/versions/${encodeURIComponent(version.version)}`}
                  >
                    {version.name} v{version.version}
                  </Link>{' '}
                  {version.aliases?.map((alias) => (
                    <span key={alias} className="badge badge-neutral">
                      {alias}
                    </span>
                  ))}{' '}
                  <span className="muted small">{formatTime(version.creation_timestamp)}</span>
                </li>
              ))}
            </ul>
          )}
          <h2 className="section-title">Artifacts</h2>
          <ArtifactBrowser run={run} />
        </>
      )}
    </section>
  );
}

const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);

function KeyValueTable(props: { testId: string; rows: { key: string; value: string }[]; empty: string }) {
  if (props.rows.length === 0) return <p className="muted">{props.empty}</p>;
  return (
    <div className="table-wrap">
      <table data-testid={props.testId} className="key-values">
        <tbody>
          {props.rows.map((row) => (
            <tr key={row.key}>
              <th scope="row">{row.key}</th>
              <td className="mono wrap">{row.value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The run's note (MLflow keeps it in the `mlflow.note.content` tag): shown, and editable by editors. */
function RunNote(props: { run: RunSummary; canEdit: boolean; onSaved: () => void }) {
  const saved = props.run.data.tags?.find((tag) => tag.key === NOTE_TAG)?.value ?? '';
  const [draft, setDraft] = useState(saved);
  const [isEditing, setIsEditing] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string }>();
  useEffect(() => setDraft(saved), [saved]);
  const save = async () => {
    try {
      await setRunTag(props.run.info.run_id, NOTE_TAG, draft);
      setMessage({ ok: true, text: 'Note saved.' });
      setIsEditing(false);
      props.onSaved();
    } catch (failure) {
      setMessage({ ok: false, text: (failure as Error).message });
    }
  };
  return (
    <div className="note" data-testid="run-note">
      <div className="section-head">
        <h2 className="section-title">Note</h2>
        {props.canEdit && !isEditing && (
          <button type="button" className="button" onClick={() => setIsEditing(true)}>
            {saved ? 'Edit note' : 'Add note'}
          </button>
        )}
      </div>
      {isEditing ? (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void save();
          }}
        >
          <label className="grow">
            <span className="visually-hidden">Note</span>
            <textarea value={draft} rows={4} onChange={(event) => setDraft(event.target.value)} />
          </label>
          <div className="dialog-actions">
            <button type="button" className="button" onClick={() => setIsEditing(false)}>
              Cancel
            </button>
            <button type="submit" className="button button-primary">
              Save note
            </button>
          </div>
        </form>
      ) : (
        <p className={saved ? 'note-text' : 'muted'} data-testid="note-text">
          {saved || 'No note.'}
        </p>
      )}
      {message && (
        <p
          className={message.ok ? 'muted small' : 'banner banner-error'}
          role={message.ok ? 'status' : 'alert'}
        >
          {message.text}
        </p>
      )}
    </div>
  );
}

function DatasetInputs({ run }: { run: RunSummary }) {
  const inputs = run.inputs?.dataset_inputs ?? [];
  if (inputs.length === 0) return <p className="muted">No dataset logged as an input.</p>;
  return (
    <div className="table-wrap">
      <table data-testid="inputs-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Context</th>
            <th scope="col">Digest</th>
            <th scope="col">Source</th>
          </tr>
        </thead>
        <tbody>
          {inputs.map((input) => (
            <tr key={`${input.dataset.name}-${input.dataset.digest}`}>
              <td>{input.dataset.name}</td>
              <td>{input.tags?.find((tag) => tag.key === 'mlflow.data.context')?.value ?? '—'}</td>
              <td className="mono">{input.dataset.digest}</td>
              <td className="mono">{input.dataset.source_type}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** "Register model": the run's artifact folder becomes a new version of a (new or existing) model. */
function RegisterModel({ run }: { run: RunSummary }) {
  const [isOpen, setIsOpen] = useState(false);
  const [name, setName] = useState('');
  const [path, setPath] = useState('model');
  const [error, setError] = useState<string>();
  const navigate = useNavigate();
  const submit = async () => {
    try {
      const version = await registerModel(run, name.trim(), path);
      navigate(`/models/${encodeURIComponent(version.name)}/versions/${encodeURIComponent(version.version)}`);
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  if (!isOpen)
    return (
      <button type="button" className="button button-primary" onClick={() => setIsOpen(true)}>
        Register model
      </button>
    );
  return (
    <form
      className="register-form"
      aria-label="Register model"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <label>
        Model name
        <input required value={name} onChange={(event) => setName(event.target.value)} />
      </label>
      <label>
        Artifact folder
        <input required value={path} onChange={(event) => setPath(event.target.value)} />
      </label>
      <div className="dialog-actions">
        <button type="button" className="button" onClick={() => setIsOpen(false)}>
          Cancel
        </button>
        <button type="submit" className="button button-primary">
          Register
        </button>
      </div>
      {error && (
        <p className="banner banner-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
