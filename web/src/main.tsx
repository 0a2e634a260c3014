import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './app';
import { pageForMlflowHash } from './mlflow-links';
import './styles.css';
import './styles-stage8.css';
import './styles-pipelines.css';

// Links the mlflow client prints (`/#/experiments/1/runs/<id>`) open our own pages.
const mlflowPage = pageForMlflowHash(window.location.hash);
if (mlflowPage !== undefined) window.history.replaceState(null, '', mlflowPage);

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <BrowserRouter>
      <App />
    </BrowserRouter>
  </StrictMode>,
);
