// @ts-check
// Local infrastructure, idempotently: use PostgreSQL, RabbitMQ and a MongoDB-compatible server if they
// answer; otherwise start the installed servers, and build + start FerretDB for MongoDB.
// Usage: node scripts/infra.mjs [--schema] [--private-ferretdb]
//          --schema            also creates the database and applies sql/
//          --private-ferretdb  also builds the FerretDB runner and Toxiproxy that the tests start themselves
//        node scripts/infra.mjs stop   (stops the FerretDB this project started, if any)
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadLocalEnv } from './local-env.mjs';
import { logDir, root, runDir, stateDir } from './paths.mjs';
import { signalOwned } from './processes.mjs';
import { waitFor } from './wait.mjs';

const say = (/** @type {string} */ line) => console.log(`[infra] ${line}`);
const isLocal = (/** @type {string} */ url) => ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(new URL(url).hostname);
const has = (/** @type {string} */ cmd) => {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** @param {string} what @param {() => Promise<boolean>} answers @param {number} timeoutMs */
const comesUp = (what, answers, timeoutMs) =>
  waitFor(answers, { timeoutMs, failure: () => `${what} did not come up within ${timeoutMs / 1000}s` });

/** @param {string} databaseUrl */
export async function postgresAnswers(databaseUrl) {
  const { default: pg } = await import('pg'); // loaded when needed: `stop` runs even before `npm install`
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString(), connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** @param {string} amqpUrl */
export async function rabbitAnswers(amqpUrl) {
  const { default: amqp } = await import('amqplib');
  try {
    const connection = await amqp.connect(amqpUrl, { timeout: 2_000 });
    await connection.close();
    return true;
  } catch {
    return false;
  }
}

/** @param {string} mongoUrl */
export async function mongoAnswers(mongoUrl) {
  const { MongoClient } = await import('mongodb');
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 1_500, connectTimeoutMS: 1_500 });
  try {
    await client.db('admin').command({ ping: 1 });
    return true;
  } catch {
    return false;
  } finally {
    await client.close().catch(() => undefined);
  }
}

/** @param {string} databaseUrl */
export async function ensurePostgres(databaseUrl) {
  if (await postgresAnswers(databaseUrl)) return say(`PostgreSQL answers at ${new URL(databaseUrl).host}`);
  if (!isLocal(databaseUrl) || !existsSync('/etc/postgresql') || !has('pg_ctlcluster')) {
    throw new Error(`PostgreSQL does not answer at ${new URL(databaseUrl).host} and there is no local cluster to start (see README: Troubleshooting)`);
  }
  const version = readdirSync('/etc/postgresql')[0];
  say(`starting PostgreSQL ${version}…`);
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', String(version), 'main', 'start'], { stdio: 'inherit' });
  await comesUp('PostgreSQL', () => postgresAnswers(databaseUrl), 60_000);
  say('PostgreSQL started');
}

/** @param {string} amqpUrl */
export async function ensureRabbit(amqpUrl) {
  if (await rabbitAnswers(amqpUrl)) return say(`RabbitMQ answers at ${new URL(amqpUrl).host}`);
  if (!isLocal(amqpUrl) || !has('rabbitmqctl')) {
    throw new Error(`RabbitMQ does not answer at ${new URL(amqpUrl).host} and there is no local broker to start (see README: Troubleshooting)`);
  }
  let nodeRunning = true;
  try {
    execFileSync('rabbitmqctl', ['-q', 'status'], { stdio: 'ignore', timeout: 30_000 });
  } catch {
    nodeRunning = false;
  }
  if (nodeRunning) {
    // The Erlang node runs but the broker app was stopped (e.g. by a lab's `rabbit stop`).
    say('RabbitMQ node is up but its app is stopped: rabbitmqctl start_app');
    execFileSync('rabbitmqctl', ['-q', 'start_app'], { stdio: 'inherit', timeout: 60_000 });
  } else {
    say('starting RabbitMQ (rabbitmq-server -detached)…');
    execFileSync('rabbitmq-server', ['-detached'], { stdio: 'inherit' });
  }
  await comesUp('RabbitMQ', () => rabbitAnswers(amqpUrl), 90_000);
  say('RabbitMQ started');
}

/**
 * Builds the FerretDB runner in tools/ferretdb once; cached by the hash of its sources. `.acme/bin/ferretdb`
 * always links the build of the current sources: the tests start their private FerretDB from it.
 */
export function buildFerretDb() {
  const dir = join(root, 'tools', 'ferretdb');
  const hash = createHash('sha256');
  for (const f of readdirSync(dir).filter((name) => /\.(go|mod|sum)$/.test(name)).sort()) hash.update(f).update(readFileSync(join(dir, f)));
  const name = `ferretdb-${hash.digest('hex').slice(0, 12)}`;
  const binary = join(stateDir, 'bin', name);
  if (!existsSync(binary)) {
    if (!has('go')) throw new Error('FerretDB is needed and Go is not installed to build it (see README: Troubleshooting)');
    mkdirSync(join(stateDir, 'bin'), { recursive: true });
    say('building FerretDB v1.24 from the Go module proxy (first time only, ~1-2 min)…');
    // Built under a temporary name, then renamed: a concurrent run never sees a half-written binary.
    const building = `${binary}.${process.pid}`;
    execFileSync('go', ['build', '-trimpath', '-o', building, '.'], { cwd: dir, stdio: 'inherit' });
    renameSync(building, binary);
  }
  const link = join(stateDir, 'bin', 'ferretdb');
  const fresh = `${link}.${process.pid}`;
  rmSync(fresh, { force: true }); // left by a crashed run with the same pid
  symlinkSync(name, fresh); // relative, then renamed over the old link: never a moment without one
  renameSync(fresh, link);
  return binary;
}

const ferretDbPidFile = join(runDir, 'ferretdb.pid');
/** The pid file's process is ours while it runs a build of the runner, `.acme/bin/ferretdb-<hash>`. */
const isOurFerretDb = (/** @type {string[]} */ argv) => argv[0]?.startsWith(join(stateDir, 'bin', 'ferretdb-')) ?? false;

/** The TCP fault proxy the network-fault tests and the chaos run put between the apps and the servers. */
const TOXIPROXY = 'github.com/Shopify/toxiproxy/v2/cmd/server@v2.5.0';

/** Builds Toxiproxy from the Go module proxy into .acme/bin/toxiproxy-server (first time only). */
export function buildToxiproxy() {
  const binary = join(stateDir, 'bin', 'toxiproxy-server');
  if (existsSync(binary)) return binary;
  if (!has('go')) throw new Error('Toxiproxy is needed for the network-fault tests and Go is not installed to build it');
  say(`building Toxiproxy (${TOXIPROXY}) from the Go module proxy (first time only)…`);
  const building = join(stateDir, 'bin', `toxiproxy-build.${process.pid}`);
  mkdirSync(building, { recursive: true });
  execFileSync('go', ['install', TOXIPROXY], { stdio: 'inherit', env: { ...process.env, GOBIN: building } });
  renameSync(join(building, 'server'), binary);
  rmSync(building, { recursive: true, force: true });
  return binary;
}

/**
 * Starts FerretDB on `port`, detached (log under .acme/logs), storing its data in PostgreSQL database
 * `ferretdb` next to the project's own. The PostgreSQL backend, not SQLite: FerretDB 1.24's SQLite
 * backend scans a whole collection for a lookup by _id (docs/ferretdb.md).
 * @param {number} port @param {string} databaseUrl
 */
export async function startFerretDb(port, databaseUrl) {
  const binary = buildFerretDb();
  const storage = new URL(databaseUrl);
  storage.pathname = '/ferretdb';
  const { default: pg } = await import('pg');
  const adminUrl = new URL(databaseUrl);
  adminUrl.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  const { rowCount } = await admin.query("SELECT 1 FROM pg_database WHERE datname = 'ferretdb'");
  if (rowCount === 0) await admin.query('CREATE DATABASE ferretdb');
  await admin.end();
  const log = openSync(join(logDir, 'ferretdb.log'), 'a');
  const child = spawn(binary, ['-listen', `127.0.0.1:${port}`, '-handler', 'postgresql', '-postgresql-url', storage.toString()], {
    detached: true,
    stdio: ['ignore', log, log],
  });
  child.unref();
  closeSync(log);
  writeFileSync(ferretDbPidFile, String(child.pid));
  return child.pid;
}

/** @param {string} mongoUrl @param {string} databaseUrl */
export async function ensureMongo(mongoUrl, databaseUrl, { privateFerretDb = false } = {}) {
  // The tests also start FerretDBs of their own (to kill them): they need the runner built, whatever answers here.
  if (privateFerretDb) buildFerretDb();
  if (await mongoAnswers(mongoUrl)) return say(`MongoDB-compatible server answers at ${new URL(mongoUrl).host}`);
  if (!isLocal(mongoUrl)) throw new Error(`MongoDB does not answer at ${new URL(mongoUrl).host}`);
  // No MongoDB server package here: FerretDB speaks the MongoDB wire protocol (docs/ferretdb.md).
  const port = Number(new URL(mongoUrl).port || 27017);
  await startFerretDb(port, databaseUrl);
  await comesUp('FerretDB', () => mongoAnswers(mongoUrl), 30_000);
  say(`FerretDB started on 127.0.0.1:${port} (log: .acme/logs/ferretdb.log)`);
}

/** @typedef {{ ensureDatabase: (url: string) => Promise<void>, applySchema: (url: string) => Promise<string[]> }} WritePersistence */

/**
 * Creates the database and applies sql/*.sql (the same code the apps run at start).
 * @param {string} databaseUrl
 */
export async function ensureSchema(databaseUrl) {
  const lib = join(root, 'dist', 'libs', 'write-persistence', 'src', 'index.js');
  if (!existsSync(lib)) throw new Error('run `npm run build` first');
  // The build is CommonJS: its exports are the default export's properties.
  /** @type {unknown} */
  const built = await import(pathToFileURL(lib).href);
  const { default: persistence } = /** @type {{ default: WritePersistence }} */ (built);
  const { ensureDatabase, applySchema } = persistence;
  await ensureDatabase(databaseUrl);
  const applied = await applySchema(databaseUrl);
  say(`schema ${applied.length ? `applied: ${applied.join(', ')}` : 'up to date'} (${new URL(databaseUrl).pathname.slice(1)})`);
}

/** `privateFerretDb`: also build the FerretDB runner that tests and chaos start on ports of their own. */
export async function ensureInfra({ schema = false, privateFerretDb = false } = {}) {
  const env = loadLocalEnv();
  const required = ['DATABASE_URL', 'AMQP_URL', 'MONGO_URL'];
  for (const name of required) if (!env[name]) throw new Error(`${name} is not set (.env)`);
  // FerretDB keeps its data in PostgreSQL, so PostgreSQL comes first.
  await Promise.all([ensurePostgres(String(env.DATABASE_URL)), ensureRabbit(String(env.AMQP_URL))]);
  await ensureMongo(String(env.MONGO_URL), String(env.DATABASE_URL), { privateFerretDb });
  if (privateFerretDb) buildToxiproxy();
  if (schema) await ensureSchema(String(env.DATABASE_URL));
}

/** Stops the FerretDB started by ensureMongo (PostgreSQL and RabbitMQ are system services: left alone). */
export function stopFerretDb() {
  return signalOwned(ferretDbPidFile, isOurFerretDb, 'SIGTERM');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (process.argv[2] === 'stop') {
    if (stopFerretDb()) say('stopped FerretDB');
    process.exit(0);
  }
  ensureInfra({ schema: process.argv.includes('--schema'), privateFerretDb: process.argv.includes('--private-ferretdb') }).catch((error) => {
    console.error(`[infra] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
