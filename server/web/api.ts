// The JSON API under /api: public route groups (pre-login, login, signup, client setup, the
// MTA-STS policy file),
// then one child context whose guard requires a session (and a CSRF token for writes) for
// every route group registered inside it. One route group per file in routes/.
import type { FastifyInstance } from 'fastify';
import { createSessionGuard } from './authenticate.ts';
import type { WebContext } from './context.ts';
import { accountRoutes } from './routes/account.ts';
import { appPasswordRoutes } from './routes/app-passwords.ts';
import { authRoutes } from './routes/auth.ts';
import { billingRoutes } from './routes/billing.ts';
import { clientSetupRoutes } from './routes/client-setup.ts';
import { eventRoutes } from './routes/events.ts';
import { folderRoutes } from './routes/folders.ts';
import { messageRoutes } from './routes/messages.ts';
import { mtaStsRoutes } from './routes/mta-sts.ts';
import { sendRoutes } from './routes/send.ts';
import { sessionRoutes } from './routes/session.ts';
import { settingsRoutes } from './routes/settings.ts';
import { signupRoutes } from './routes/signup.ts';

type RouteGroup = (app: FastifyInstance, context: WebContext) => Promise<void>;

const PUBLIC_GROUPS: RouteGroup[] = [authRoutes, signupRoutes, clientSetupRoutes, mtaStsRoutes];
const AUTHENTICATED_GROUPS: RouteGroup[] = [
  sessionRoutes,
  folderRoutes,
  messageRoutes,
  sendRoutes,
  eventRoutes,
  accountRoutes,
  appPasswordRoutes,
  settingsRoutes,
  billingRoutes,
];

export async function registerApi(app: FastifyInstance, context: WebContext): Promise<void> {
  app.decorateRequest('session', null);
  app.decorateRequest('sessionToken', null);
  app.get('/api/health', async () => ({ status: 'ok' }));
  for (const group of PUBLIC_GROUPS) await app.register(async (child) => group(child, context));
  await app.register(async (authenticated) => {
    authenticated.addHook('onRequest', createSessionGuard(context));
    for (const group of AUTHENTICATED_GROUPS) await authenticated.register(async (child) => group(child, context));
  });
}
