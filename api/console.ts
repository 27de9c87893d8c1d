// The web console: static files built from console/ (scripts/build-console.ts), served at /console.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Router } from 'express';

/** Where `npm run build:console` (and `npm start`) put the console. */
export const CONSOLE_DIST = fileURLToPath(new URL('../dist/console', import.meta.url));

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

export function consoleRouter(dir: string): Router {
  const router = express.Router({ strict: true });
  router.get('/', (_req, res) => res.redirect(302, '/console/'));
  router.get('/console', (_req, res) => res.redirect(301, '/console/'));
  router.use('/console', (req, res, next) => {
    res.set(SECURITY_HEADERS);
    if (!existsSync(path.join(dir, 'index.html'))) {
      res.status(503).type('text/plain').send('The console has not been built: run `npm run build:console`.');
      return;
    }
    next();
  });
  router.use('/console', express.static(dir, { index: 'index.html', fallthrough: true, etag: true, lastModified: false }));
  return router;
}
