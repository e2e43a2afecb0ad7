import { inTransaction, type Db } from '../../db/database.js';
import type { SessionsRepository } from '../../db/sessions-repository.js';
import type { TokensRepository } from '../../db/tokens-repository.js';
import type { UsersRepository } from '../../db/users-repository.js';
import type { User } from '../user-records.js';
import type { Clock } from '../../shared/clock.js';
import { ConflictError, NotFoundError } from '../../shared/errors.js';
import { hashPassword, randomSecret } from '../../shared/passwords.js';
import { implement, type CallImplementation, type Principal } from '../api-router.js';
import {
  userAddCall,
  userDisableCall,
  userEnableCall,
  userRoleCall,
  usersCall,
  type UserView,
} from '../specs/users.js';

export interface UsersRouterDeps {
  db: Db;
  users: UsersRepository;
  tokens: TokensRepository;
  sessions: SessionsRepository;
  clock: Clock;
}

export function userRoutes(deps: UsersRouterDeps): CallImplementation[] {
  const { users, clock } = deps;
  const view = (user: User): UserView => ({
    name: user.name,
    role: user.role,
    disabled: user.disabled,
    createdAt: user.createdAt,
    tokens: deps.tokens.listForUser(user.id).length,
  });
  const find = (name: string): User => {
    const user = users.findByName(name);
    if (!user) throw new NotFoundError(`there is no user "${name}"; see debyard users`);
    return user;
  };
  return [
    implement(usersCall, () => users.list().map(view)),
    implement(userAddCall, async ({ name, role, password }) => {
      const generated = password === undefined ? randomSecret(15) : undefined;
      const passwordHash = await hashPassword(password ?? generated!);
      const user = users.create({ name, role, passwordHash, createdAt: clock.now() });
      return generated ? { ...view(user), password: generated } : view(user);
    }),
    implement(userRoleCall, ({ name, role }, { principal }) => {
      const user = find(name);
      return inTransaction(deps.db, () => {
        if (role !== 'admin') keepAnAdmin(users, user, principal, `make ${name} ${role}`);
        users.setRole(user.id, role);
        return view(users.get(user.id));
      });
    }),
    implement(userDisableCall, ({ name }, { principal }) => {
      const user = find(name);
      return inTransaction(deps.db, () => {
        keepAnAdmin(users, user, principal, `disable ${name}`);
        users.setDisabled(user.id, true);
        deps.sessions.deleteForUser(user.id);
        return view(users.get(user.id));
      });
    }),
    implement(userEnableCall, ({ name }) => {
      const user = find(name);
      users.setDisabled(user.id, false);
      return view(users.get(user.id));
    }),
  ];
}

/** Refuses changes that would lock every admin out. */
function keepAnAdmin(users: UsersRepository, user: User, principal: Principal, what: string) {
  if (user.name === principal.user) {
    throw new ConflictError(`you cannot ${what}: that is yourself; ask another admin`);
  }
  if (user.role === 'admin' && !user.disabled && users.countActiveAdmins() <= 1) {
    throw new ConflictError(`cannot ${what}: it is the last enabled admin`);
  }
}
