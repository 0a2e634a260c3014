import { randomBytes } from 'node:crypto';

/** Run names: the tag that holds one, and names for runs started without one. */

/** The tag MLflow keeps a run's name in (set along with the run's `run_name`). */
export const RUN_NAME_TAG = 'mlflow.runName';

const ADJECTIVES = [
  'bold',
  'calm',
  'eager',
  'gentle',
  'keen',
  'lucky',
  'merry',
  'nimble',
  'quiet',
  'swift',
  'wise',
  'brave',
];
const NOUNS = [
  'otter',
  'falcon',
  'lynx',
  'heron',
  'panda',
  'koala',
  'badger',
  'wren',
  'fox',
  'owl',
  'seal',
  'crane',
];

/** MLflow-style run names like `swift-otter-123`. */
export function generateRunName(): string {
  const pick = (words: string[]) => words[(randomBytes(1)[0] ?? 0) % words.length] ?? words[0];
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${100 + ((randomBytes(2).readUInt16BE() ?? 0) % 900)}`;
}
