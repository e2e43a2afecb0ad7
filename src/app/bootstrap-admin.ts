import type { UsersRepository } from '../db/users-repository.js';
import { writeFileAtomic } from '../shared/atomic-fs.js';
import type { Clock } from '../shared/clock.js';
import type { Logger } from '../shared/logger.js';
import { hashPassword, randomSecret } from '../shared/passwords.js';

export interface BootstrapAdminDeps {
  users: UsersRepository;
  clock: Clock;
  logger: Logger;
  passwordFile: string;
}

/**
 * On first start, creates the `admin` user with a random password written to
 * `<home>/admin-password` (mode 0600). There is never a default password.
 */
export async function bootstrapAdmin(deps: BootstrapAdminDeps): Promise<void> {
  if (deps.users.findByName('admin')) return;
  const password = randomSecret(18);
  // The file first: a crash between the two steps leaves a password nobody uses, which
  // the next start overwrites, rather than an admin whose password is lost.
  await writeFileAtomic(deps.passwordFile, `${password}\n`, { mode: 0o600 });
  deps.users.create({
    name: 'admin',
    role: 'admin',
    passwordHash: await hashPassword(password),
    createdAt: deps.clock.now(),
  });
  deps.logger.info('created the admin user', { passwordFile: deps.passwordFile });
}
