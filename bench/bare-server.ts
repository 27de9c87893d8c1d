// The read baseline: bare Express routes running the very same SELECTs as GET /v1/cases/:id and
// GET /v1/cases?status= (taken from the query builders the API uses), with nothing around them:
// no authentication, validation, scope check, audit log, decryption or mapping.
import express from 'express';
import postgres from 'postgres';
import { detailQuery } from '../db/case-detail.js';
import { listQuery } from '../db/case-list.js';
import { openDatabase } from '../db/client.js';

const url = process.env.DATABASE_URL!;
const sql = postgres(url, { max: 20, onnotice: () => {} });
// Only to print the SQL text the API runs; the routes below use plain postgres.js.
const builder = await openDatabase({ url, poolSize: 1 });
const detail = detailQuery(builder.db).toSQL();
const list = (status: string) => listQuery(builder.db, { filters: { status: status as never }, scopeCountry: 'CN', limit: 50 }).toSQL();
await builder.close();

const app = express();
app.get('/bare/cases/:id', async (req, res) => {
  const [row] = await sql.unsafe(detail.sql, [req.params.id]);
  if (!row) res.status(404).end();
  else res.json(row);
});
app.get('/bare/cases', async (req, res) => {
  const { sql: text, params } = list(String(req.query.status));
  const rows = await sql.unsafe(text, params as never[]);
  res.json({ items: rows });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => sql.end().then(() => process.exit(0))));
