export { type App, type BuildAppOptions, buildApp } from './app.js';
export { type RunningServer, startServer } from './listen.js';
export { assertSafeToListen, isAuthEnabled, isLoopback } from './security.js';
export { WEB_DIST_DIR } from './web-ui.js';
