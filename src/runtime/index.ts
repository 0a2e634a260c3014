export {
  type FirstStartOutcome,
  type Runtime,
  type RuntimeOptions,
  type Surface,
  startRuntime,
} from './runtime.js';
