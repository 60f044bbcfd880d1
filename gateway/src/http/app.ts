// The gateway's Express application: security headers, logs, sessions, CSRF, the OpenAPI
// document (served and enforced on every request), the routes, 501 for described-but-unbuilt
// operations, and JSON errors with catalogue codes.
import express, { type Express } from 'express';
import * as OpenApiValidator from 'express-openapi-validator';
import { pinoHttp } from 'pino-http';
import swaggerUi from 'swagger-ui-express';
import { adminRoutes } from '../routes/admin';
import { authRoutes } from '../routes/auth';
import { careRoutes } from '../routes/care';
import { directoryRoutes } from '../directory/routes';
import { devRoutes } from '../routes/dev';
import { signupRoutes } from '../routes/signup';
import { systemRoutes } from '../routes/system';
import { createRecords } from '../records';
import { portalRoutes } from '../portal/portal';
import { auditRoutes } from '../audit/audit-routes';
import { membershipRoutes } from '../membership/routes';
import type { GatewayContext } from './context';
import { csrfTokens } from './csrf';
import { errorHandler, notImplemented } from './errors';
import { expressPath, notImplementedOperations, openApiDocument } from './openapi';
import { sessionMiddleware } from './session';

export function buildApp(ctx: GatewayContext): Express {
  const app = express();
  const { config } = ctx;
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);

  app.use((_req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    if (config.production)
      res.setHeader('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    next();
  });

  app.use(
    pinoHttp({
      logger: ctx.log,
      // Paths only: query strings and bodies may hold personal data; cookies and tokens never logged.
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url.split('?')[0],
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res) =>
        res.statusCode >= 500 ? 'warn' : res.statusCode >= 400 ? 'info' : 'debug',
    }),
  );

  // The portal's pages and files (no session, no API validation: it owns no API path).
  app.use(portalRoutes({ dir: config.portalDir }));

  const doc = openApiDocument();
  app.get('/openapi.json', (_req, res) => {
    res.json(doc);
  });
  app.use(
    '/docs',
    swaggerUi.serve,
    swaggerUi.setup(doc, {
      customSiteTitle: `${config.hospital.displayName ?? config.hospital.name} API`,
    }),
  );

  app.use(express.json({ limit: '100kb' }));
  app.use(express.text({ type: 'text/csv', limit: '10mb' }));
  const sessions = sessionMiddleware({
    pool: ctx.pool,
    secret: config.sessionSecret,
    idleMs: config.sessionIdleMs,
    secure: config.production,
  });
  app.locals.closeSessions = sessions.close;
  app.use(sessions.middleware);
  const csrf = csrfTokens();
  app.use(csrf.protect);
  const records = ctx.records ?? createRecords(ctx);
  // Streams its multipart body itself: mounted before the validator, which would buffer files.
  app.use(records.uploadRoutes);

  app.use(
    OpenApiValidator.middleware({
      apiSpec: doc as never,
      validateRequests: { allowUnknownQueryParameters: false, allErrors: true },
      // Responses are checked against the document outside production: drift fails tests.
      validateResponses: !config.production,
      validateSecurity: false,
      // Uploads are streamed by their route (never buffered whole by multer in this middleware).
      fileUploader: false,
      ignorePaths: /^\/(docs|openapi\.json)(\/|$)/,
    }),
  );

  app.use(systemRoutes(ctx));
  app.use(authRoutes(ctx, csrf));
  app.use(signupRoutes(ctx));
  app.use(adminRoutes(ctx));
  app.use(membershipRoutes(ctx));
  app.use(careRoutes(ctx));
  app.use(directoryRoutes(ctx));
  app.use(records.routes);
  app.use(records.consentRoutes);
  const audit = auditRoutes(ctx);
  app.locals.closeAudit = audit.close;
  app.use(audit.routes);
  app.use(devRoutes(ctx));
  for (const op of notImplementedOperations(doc))
    app[op.method](expressPath(op.path), notImplemented);

  app.use(errorHandler);
  return app;
}
