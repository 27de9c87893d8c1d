// The read baseline: a bare Express route doing the same primary-key SELECT (and the same
// status-filtered page) as the API, with no auth, validation, scope check or audit.
import express from 'express';
import postgres from 'postgres';

const sql = postgres(process.env.DATABASE_URL!, { max: 20, onnotice: () => {} });
const app = express();
app.get('/bare/cases/:id', async (req, res) => {
  const [row] = await sql`select * from cases where id = ${req.params.id}`;
  if (!row) res.status(404).end();
  else res.json(row);
});
app.get('/bare/cases', async (req, res) => {
  const rows = await sql`select * from cases where status = ${String(req.query.status)} order by created_at, id limit 50`;
  res.json({ items: rows });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => server.close(() => sql.end().then(() => process.exit(0))));
