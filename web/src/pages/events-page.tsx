import { fetchAutomations } from '../api/client';
import { usePolling } from '../api/use-polling';
import { AutomationBanners, AutomationsSection, ConsumerLagPanel } from '../components/automations-panel';
import { DriftForm, OverloadForm } from '../components/event-forms';
import { LiveEvents } from '../components/live-events';

/** Stage 9: the event stream as it happens, the automations that act on it, and a way to try the loop. */
export function EventsPage() {
  const automations = usePolling(fetchAutomations, 3000);
  return (
    <section className="page" aria-labelledby="events-title">
      <div className="page-head">
        <div>
          <h1 id="events-title">Events</h1>
          <p className="muted">
            What flows through the event bus, live, and what the automations did with it: drift starts a
            retrain, an overload sheds load, an interaction personalises at once.
          </p>
        </div>
      </div>
      <AutomationBanners data={automations.data} error={automations.error} />
      <LiveEvents />
      <div className="dashboard-grid events-tools">
        <DriftForm />
        <OverloadForm />
        <ConsumerLagPanel />
      </div>
      {automations.data && <AutomationsSection data={automations.data} />}
    </section>
  );
}
