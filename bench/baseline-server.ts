// The bare baseline of the CRUD benchmark: a minimal Koa app doing one INSERT or
// one SELECT by primary key per request on the same database as the server.
import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import Koa from 'koa';
import pg from 'pg';
import getRawBody from 'raw-body';

const [url = '', port = '0'] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: url, max: 10 });
await pool.query('CREATE TABLE IF NOT EXISTS bench_baseline (id uuid PRIMARY KEY, content jsonb NOT NULL)');
const app = new Koa();
const router = new Router();
router.post('/base/Patient', async (ctx) => {
  const body = JSON.parse(await getRawBody(ctx.req, { encoding: 'utf8' })) as Record<string, unknown>;
  body['id'] = randomUUID();
  await pool.query('INSERT INTO bench_baseline (id, content) VALUES ($1, $2)', [body['id'], body]);
  ctx.status = 201;
  ctx.type = 'application/fhir+json';
  ctx.body = JSON.stringify(body);
});
router.get('/base/Patient/:id', async (ctx) => {
  const r = await pool.query<{ content: unknown }>('SELECT content FROM bench_baseline WHERE id = $1', [ctx.params['id']]);
  ctx.type = 'application/fhir+json';
  ctx.body = JSON.stringify(r.rows[0]?.content);
});
app.use(router.routes());
app.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
