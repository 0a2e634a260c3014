// `npm run build:db-template`: writes dist/pglite-template, which first starts copy (see pglite-template.ts).
import { buildPgliteTemplate, PGLITE_TEMPLATE_DIR } from './pglite-template.js';

const started = Date.now();
await buildPgliteTemplate();
process.stdout.write(
  `empty embedded database template at ${PGLITE_TEMPLATE_DIR} (${Date.now() - started} ms)\n`,
);
