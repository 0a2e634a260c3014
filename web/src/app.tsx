import { Navigate, Route, Routes } from 'react-router';
import { AuthProvider } from './api/auth-context';
import { AuthGate } from './components/auth-gate';
import { Layout } from './components/layout';
import { AlertsPage } from './pages/alerts-page';
import { DashboardPage } from './pages/dashboard-page';
import { DatasetPage } from './pages/dataset-page';
import { DatasetsPage } from './pages/datasets-page';
import { DriftPage } from './pages/drift-page';
import { EventsPage } from './pages/events-page';
import { FeatureViewPage } from './pages/feature-view-page';
import { FeaturesPage } from './pages/features-page';
import { ModelVersionPage } from './pages/model-version-page';
import { ModelsPage } from './pages/models-page';
import { MoviePage } from './pages/movie-page';
import { MoviesPage } from './pages/movies-page';
import { NotFoundPage } from './pages/not-found-page';
import { PipelinePage } from './pages/pipeline-page';
import { PipelinesPage } from './pages/pipelines-page';
import { RecommendationsPage } from './pages/recommendations-page';
import { RunComparePage } from './pages/run-compare-page';
import { RunPage } from './pages/run-page';
import { RunbookPage } from './pages/runbook-page';
import { RunsPage } from './pages/runs-page';
import { StatusPage } from './pages/status-page';

/**
 * Every page has a URL; new stages add their route here and their link in `NAV_ITEMS`. On a
 * token-protected server the login stands in for any of them until a token is accepted.
 */
export function App() {
  return (
    <AuthProvider>
      <AuthGate>
        <Routes>
          <Route element={<Layout />}>
            <Route index element={<Navigate to="/dashboard" replace />} />
            <Route path="dashboard" element={<DashboardPage />} />
            <Route path="status" element={<StatusPage />} />
            <Route path="movies" element={<MoviesPage />} />
            <Route path="movies/:movieId" element={<MoviePage />} />
            <Route path="recommendations" element={<RecommendationsPage />} />
            <Route path="runs" element={<RunsPage />} />
            <Route path="runs/compare" element={<RunComparePage />} />
            <Route path="runs/:runId" element={<RunPage />} />
            <Route path="models" element={<ModelsPage />} />
            <Route path="models/:name" element={<ModelsPage />} />
            <Route path="models/:name/versions/:version" element={<ModelVersionPage />} />
            <Route path="datasets" element={<DatasetsPage />} />
            <Route path="features" element={<FeaturesPage />} />
            <Route path="features/:name" element={<FeatureViewPage />} />
            <Route path="pipelines" element={<PipelinesPage />} />
            <Route path="drift" element={<DriftPage />} />
            <Route path="alerts" element={<AlertsPage />} />
            <Route path="runbook" element={<RunbookPage />} />
            <Route path="events" element={<EventsPage />} />
            <Route path="pipelines/:dagId" element={<PipelinePage />} />
            <Route path="datasets/:version" element={<DatasetPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Routes>
      </AuthGate>
    </AuthProvider>
  );
}
