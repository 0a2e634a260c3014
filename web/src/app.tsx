import { Navigate, Route, Routes } from 'react-router';
import { Layout } from './components/layout';
import { NotFoundPage } from './pages/not-found-page';
import { StatusPage } from './pages/status-page';

/** Every page has a URL; new stages add their route here and their link in `NAV_ITEMS`. */
export function App() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<Navigate to="/status" replace />} />
        <Route path="status" element={<StatusPage />} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
