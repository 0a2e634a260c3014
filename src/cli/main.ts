#!/usr/bin/env node
import { Command } from 'commander';
import { VERSION } from '../version.js';
import { registerDataCommands } from './commands/data.js';
import { registerDbCommands } from './commands/db.js';
import { registerEventsCommands } from './commands/events.js';
import { registerFeaturesCommands } from './commands/features.js';
import { registerModelsCommands } from './commands/models.js';
import { registerMonitorCommands } from './commands/monitor.js';
import { registerPipelinesCommands, registerWorkerCommand } from './commands/pipelines.js';
import { registerRunsCommands } from './commands/runs.js';
import { registerStatusCommand } from './commands/status.js';
import { registerTokensCommands } from './commands/tokens.js';
import { registerTrainCommands } from './commands/train.js';
import { registerUpCommand } from './commands/up.js';
import { EXIT, reportFailure } from './context.js';

const program = new Command('mlops')
  .description('movie-mlops: collect data, train, track, serve and monitor movie recommenders')
  .version(VERSION, '-v, --version')
  .showHelpAfterError('(run `mlops --help` for usage)')
  .addHelpText(
    'after',
    `
Configuration comes from environment variables and an optional .env file (see .env.template).

Examples:
  mlops up                       start everything on http://127.0.0.1:8000
  MLOPS_PORT=9000 mlops up       the same on another port
  mlops status                   check every component of the running platform
  mlops db migrate               apply schema migrations (PostgreSQL deployments)
  mlops data generate --seed 7   synthetic catalogue and watch log, offline
  mlops data versions            every dataset version, newest first
  mlops features apply           record the feature definitions (built-in + MLOPS_FEATURE_REPO)
  mlops features build           compute feature views into the offline store
  mlops features materialize     copy the latest feature values into the online store
  mlops train -a als             train, evaluate and register an ALS recommender
  mlops pipelines trigger movie_training_pipeline --conf '{"algorithm":"bpr"}' --wait
  mlops evaluate @champion       re-evaluate the champion on the latest watch log`,
  );

registerUpCommand(program);
registerStatusCommand(program);
registerDbCommands(program);
registerDataCommands(program);
registerFeaturesCommands(program);
registerRunsCommands(program);
registerModelsCommands(program);
registerTrainCommands(program);
registerPipelinesCommands(program);
registerEventsCommands(program);
registerTokensCommands(program);
registerWorkerCommand(program);
registerMonitorCommands(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.exitCode = reportFailure(error) || EXIT.FAILURE;
});
