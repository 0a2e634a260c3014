/** The Events page's automations: their cards and banners, the actions they took, and consumer lag. */
import { Fragment } from 'react';
import { Link } from 'react-router';
import {
  type AutomationAction,
  type AutomationInfo,
  type AutomationsReport,
  fetchEventConsumers,
} from '../api/client';
import { usePolling } from '../api/use-polling';
import { formatTime } from './live-events';

const DEFAULT_PIPELINE = 'movie_training_pipeline';

function outcomeBadge(outcome: AutomationAction['outcome']): string {
  if (outcome === 'applied') return 'badge badge-up';
  if (outcome === 'triggered') return 'badge badge-running';
  if (outcome === 'failed') return 'badge badge-down';
  return 'badge badge-unknown';
}

export function ConsumerLagPanel() {
  const { data, error } = usePolling(fetchEventConsumers, 5000);
  return (
    <article className="panel" aria-labelledby="lag-title" data-testid="consumer-lag">
      <h2 id="lag-title" className="panel-title">
        Consumer lag
      </h2>
      {error && !data && <p className="muted small">{error.message}</p>}
      {data && (
        <>
          <p className="muted small">
            {data.backend} bus · <span className="mono">{data.location}</span>
          </p>
          {data.consumers.length === 0 ? (
            <p className="muted small">No automation consumes events.</p>
          ) : (
            <table className="lag-table">
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col">Topic</th>
                  <th scope="col">Lag</th>
                </tr>
              </thead>
              <tbody>
                {data.consumers.map((consumer) => (
                  <tr key={`${consumer.group}/${consumer.topic}`} data-testid="consumer-row">
                    <td className="mono">{consumer.group}</td>
                    <td>{consumer.topic}</td>
                    <td className={consumer.lag > 0 ? 'lag-behind' : undefined}>
                      {consumer.lag.toLocaleString()}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </article>
  );
}

function AutomationCard({ automation }: { automation: AutomationInfo }) {
  const settings = Object.entries(automation.settings);
  return (
    <div className="card automation-card" data-testid="automation-card">
      <div className="card-head">
        <h3 className="mono">{automation.name}</h3>
        <span className={`badge ${automation.isRunning ? 'badge-up' : 'badge-unknown'}`}>
          {automation.isRunning ? 'running' : 'not running'}
        </span>
      </div>
      <p className="small">{automation.description}</p>
      <dl>
        <dt>Listens to</dt>
        <dd>{automation.topics.join(', ')}</dd>
        <dt>Group</dt>
        <dd className="mono">{automation.group}</dd>
        {settings.map(([name, value]) => (
          <Fragment key={name}>
            <dt>{name.replaceAll('_', ' ')}</dt>
            <dd className="mono">{String(value)}</dd>
          </Fragment>
        ))}
      </dl>
    </div>
  );
}

/** Load shedding and switched-off automations, above everything: they change what the events lead to. */
export function AutomationBanners({
  data,
  error,
}: {
  data: AutomationsReport | undefined;
  error: Error | undefined;
}) {
  return (
    <>
      {error && !data && (
        <div className="banner banner-error" role="alert">
          <strong>Cannot load the automations.</strong> {error.message}
        </div>
      )}
      {data?.load_shedding.active && (
        <div className="banner banner-warn" role="status" data-testid="load-shedding">
          <strong>Shedding load</strong>
          {data.load_shedding.until !== null &&
            ` until ${new Date(data.load_shedding.until).toLocaleTimeString()}`}
          : new pipeline runs are held back ({data.load_shedding.reason}).
        </div>
      )}
      {data && !data.is_enabled && (
        <div className="banner banner-warn" role="status">
          Automations are off (<span className="mono">MLOPS_AUTOMATIONS=false</span>): events are published
          and shown, but nothing acts on them.
        </div>
      )}
    </>
  );
}

export function AutomationsSection({ data }: { data: AutomationsReport }) {
  const pipelineOf = (automation: string) => {
    const pipeline = data.automations.find((item) => item.name === automation)?.settings.pipeline;
    return typeof pipeline === 'string' ? pipeline : DEFAULT_PIPELINE;
  };
  return (
    <>
      {data.automations.length > 0 && (
        <section aria-labelledby="automations-title">
          <h2 id="automations-title" className="section-title">
            Automations
          </h2>
          <div className="automation-grid">
            {data.automations.map((automation) => (
              <AutomationCard key={automation.name} automation={automation} />
            ))}
          </div>
        </section>
      )}
      <section aria-labelledby="actions-title">
        <h2 id="actions-title" className="section-title">
          What they did
        </h2>
        {data.actions.length === 0 ? (
          <p className="muted">No automation has acted yet.</p>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Automation</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Event</th>
                  <th scope="col">Detail</th>
                  <th scope="col">Run</th>
                </tr>
              </thead>
              <tbody>
                {data.actions.map((action) => (
                  <tr key={action.action_id} data-testid="action-row" data-automation={action.automation}>
                    <td title={action.created_at}>{formatTime(action.created_at)}</td>
                    <td className="mono">{action.automation}</td>
                    <td>
                      <span className={outcomeBadge(action.outcome)}>{action.outcome}</span>
                    </td>
                    <td title={action.event_id}>
                      {action.event_type}
                      <div className="muted small mono">{action.event_id.slice(0, 8)}</div>
                    </td>
                    <td className="wrap">{action.detail}</td>
                    <td>
                      {action.run_id === null ? (
                        '—'
                      ) : (
                        <Link
                          to={`/pipelines/${encodeURIComponent(pipelineOf(action.automation))}?run=${encodeURIComponent(action.run_id)}`}
                          className="mono"
                          title={`${pipelineOf(action.automation)} run ${action.run_id}`}
                        >
                          {action.run_id}
                        </Link>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}
