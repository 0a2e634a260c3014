import { describe, it } from 'vitest';
import { runClosedLoop } from '../helpers/closed-loop.js';

describe('the closed loop on the embedded event log', () => {
  it('drift in new interactions → alert event → retrain → v2 promoted → serving answers from v2, no request failing', async () => {
    await runClosedLoop({});
  }, 300_000);
});
