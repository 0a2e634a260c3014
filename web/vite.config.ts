import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The UI is served by the platform process at `/`; in development `vite` proxies API calls to it.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: Object.fromEntries(
      ['/api', '/health', '/ready', '/docs', '/metrics'].map((path) => [path, 'http://127.0.0.1:8000']),
    ),
  },
});
