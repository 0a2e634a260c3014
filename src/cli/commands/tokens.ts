import type { Command } from 'commander';
import { authService, ROLES, type Role } from '../../auth/index.js';
import { ValidationError } from '../../errors/index.js';
import { EXIT, withPlatform } from '../context.js';
import { formatTable } from '../table.js';

const time = (value: Date | null) =>
  value === null ? '' : value.toISOString().replace('T', ' ').slice(0, 19);

export function registerTokensCommands(program: Command): void {
  const tokens = program
    .command('tokens')
    .description(
      'API tokens for production mode (stored hashed in the metadata database): create, list, revoke',
    );

  tokens
    .command('create')
    .description('create a token and print its secret (shown this once)')
    .requiredOption('--name <name>', 'what the token is for (e.g. ci, grafana, alice)')
    .option('--role <role>', `${ROLES.join(', ')} (default viewer)`, 'viewer')
    .action(async (options: { name: string; role: string }) => {
      process.exitCode = await withPlatform(async (platform) => {
        const auth = authService(platform);
        if (!(ROLES as readonly string[]).includes(options.role))
          throw new ValidationError(`--role must be one of ${ROLES.join(', ')}, got ${options.role}`, {
            field: 'role',
          });
        const { token, info } = await auth.createToken({
          name: options.name,
          role: options.role as Role,
          createdBy: 'cli',
        });
        process.stdout.write(`${token}\n`);
        process.stderr.write(
          `token ${info.token_id} (${info.name}, ${info.role}) created: keep the secret above, it is not stored\n`,
        );
        return EXIT.OK;
      });
    });

  tokens
    .command('list')
    .description('every token with its role and last use (never the secret)')
    .action(async () => {
      process.exitCode = await withPlatform(async (platform) => {
        const auth = authService(platform);
        const rows = await auth.listTokens();
        process.stdout.write(
          `${formatTable(
            ['id', 'name', 'role', 'created', 'last used', 'revoked'],
            rows.map((row) => [
              row.token_id,
              row.name,
              row.role,
              time(row.created_at),
              time(row.last_used_at),
              time(row.revoked_at),
            ]),
          )}\n`,
        );
        return EXIT.OK;
      });
    });

  tokens
    .command('revoke <id>')
    .description('revoke a token: the next request with it is refused')
    .action(async (id: string) => {
      process.exitCode = await withPlatform(async (platform) => {
        const auth = authService(platform);
        const info = await auth.revokeToken(id);
        process.stdout.write(`token ${info.token_id} (${info.name}) revoked at ${time(info.revoked_at)}\n`);
        return EXIT.OK;
      });
    });
}
