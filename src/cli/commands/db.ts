import type { Command } from 'commander';
import { openDatabase, schemaMigrations } from '../../storage/index.js';
import { createCommandLogger, EXIT, loadCliConfig, reportFailure } from '../context.js';
import { formatTable } from '../table.js';

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('manage the metadata database');
  db.command('migrate')
    .description('apply every pending schema migration (the embedded database does this on start)')
    .action(async () => {
      process.exitCode = await runMigrate();
    });
  db.command('status')
    .description('list the schema migrations and when each was applied')
    .action(async () => {
      process.exitCode = await runDbStatus();
    });
}

async function runMigrate(): Promise<number> {
  try {
    const config = loadCliConfig();
    const logger = createCommandLogger(config);
    const database = await openDatabase(config.database, logger);
    try {
      const migrations = schemaMigrations(database);
      const applied = await migrations.migrateToLatest(logger);
      const all = await migrations.listMigrations();
      const latest = all.at(-1)?.name ?? 'empty';
      process.stdout.write(
        applied.length === 0
          ? `${database.backend} database at ${database.location} is up to date (schema ${latest})\n`
          : `applied ${applied.length} migration(s) to ${database.backend} database at ${database.location}: ${applied.join(', ')}\n`,
      );
    } finally {
      await database.close();
    }
    return EXIT.OK;
  } catch (error) {
    return reportFailure(error);
  }
}

async function runDbStatus(): Promise<number> {
  try {
    const config = loadCliConfig();
    const database = await openDatabase(config.database, createCommandLogger(config));
    try {
      const migrations = await schemaMigrations(database).listMigrations();
      process.stdout.write(`${database.backend} database at ${database.location}\n`);
      process.stdout.write(
        `${formatTable(
          ['migration', 'applied at'],
          migrations.map((migration) => [migration.name, migration.executedAt?.toISOString() ?? 'pending']),
        )}\n`,
      );
      return migrations.some((migration) => migration.executedAt === undefined) ? EXIT.FAILURE : EXIT.OK;
    } finally {
      await database.close();
    }
  } catch (error) {
    return reportFailure(error);
  }
}
