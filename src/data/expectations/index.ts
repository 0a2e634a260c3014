export * from './expectation.js';
export { MOVIES_SUITE, SUITES, WATCH_LOG_SUITE } from './suites.js';
export { type ExpectationResult, formatReport, type ValidationReport, validateParquet } from './validate.js';
