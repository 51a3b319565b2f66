// @ts-check
// The whole system on this machine.
//   node scripts/stack.mjs start   foreground, logs prefixed by app, Ctrl-C stops everything
//   node scripts/stack.mjs up      detached under pm2 (restarts an app that dies), returns when healthy
//   node scripts/stack.mjs down    stops the apps (either way) and the FerretDB this project started
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureInfra, stopFerretDb } from './infra.mjs';
import { loadLocalEnv } from './local-env.mjs';
import { APPS, appScript, logDir, root, runDir, stateDir } from './paths.mjs';
import { ownedPid, signalOwned } from './processes.mjs';
import { waitFor } from './wait.mjs';

/** @typedef {import('./paths.mjs').App} App */
/** @typedef {typeof import('pm2')} Pm2 */

const PM2_HOME = (process.env.PM2_HOME ??= join(stateDir, 'pm2')); // the project's own pm2, not the user's ~/.pm2
const say = (/** @type {string} */ line) => console.log(`[stack] ${line}`);
const stackPidFile = join(runDir, 'stack.pid');
/** A foreground stack is `node scripts/stack.mjs start`: its pid file is checked against that before a signal. */
const isStack = (/** @type {string[]} */ argv) => argv[1]?.endsWith('stack.mjs') ?? false;
/** pm2's daemon names itself in its process title: "PM2 v6.0.14: God Daemon (<PM2_HOME>)". */
const isPm2Daemon = (/** @type {string[]} */ argv) => argv.join(' ').includes(`God Daemon (${PM2_HOME})`);
const pm2Name = (/** @type {App} */ app) => `acme-${app.name}`;
const portOf = (/** @type {App} */ app) => Number(process.env[app.portVar] ?? app.port);

/**
 * An app's /health: `ok`, or why not in a few words ("not answering", or the checks that are down and
 * the error it gives, e.g. a TopologyMismatchError that names the fix).
 * @param {number} port
 * @returns {Promise<{ ok: boolean, why: string }>}
 */
async function health(port) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3_000) });
    if (res.ok) return { ok: true, why: 'healthy' };
    // The apps' own health report (HealthReport in libs/http, plus what the relay and subscriber add).
    const body = /** @type {{ checks?: Record<string, string>, consumerSetupError?: string, relay?: { lastError?: string } }} */ (
      await res.json().catch(() => ({}))
    );
    const down = Object.entries(body.checks ?? {}).filter(([, state]) => state !== 'up').map(([name]) => name);
    const error = body.consumerSetupError ?? body.relay?.lastError;
    return { ok: false, why: `answers ${res.status}${down.length ? ` (${down.join(', ')} down)` : ''}${error ? `: ${error}` : ''}` };
  } catch {
    return { ok: false, why: 'not answering' };
  }
}

/** The last lines of an app's log under `npm run up` (pm2 writes them to .acme/logs). */
function logTail(/** @type {string} */ app, lines = 5) {
  const file = join(logDir, `${app}.log`);
  const text = existsSync(file) ? readFileSync(file, 'utf8').trimEnd() : '';
  if (text === '') return '';
  const tail = text.split('\n').slice(-lines);
  return `\n    last lines of .acme/logs/${app}.log:\n      ${tail.join('\n      ')}`;
}

/** Waits for every app to be healthy; says every 10 s which ones it waits for and why, and fails naming them. */
async function waitUntilHealthy({ timeoutMs = 120_000, logs = false } = {}) {
  const started = Date.now();
  let lastReport = started;
  /** @type {Map<string, string>} */
  const pending = new Map(APPS.map((a) => [a.name, 'not answering']));
  const detail = (withLogs = logs) => [...pending].map(([name, why]) => `\n  ${name}: ${why}${withLogs ? logTail(name) : ''}`).join('');
  const allHealthy = async () => {
    for (const app of APPS) {
      if (!pending.has(app.name)) continue;
      const answer = await health(portOf(app));
      if (answer.ok) pending.delete(app.name);
      else pending.set(app.name, answer.why);
    }
    if (pending.size === 0) return true;
    // Queues declared with other settings do not heal by waiting: say so now, with the fix the app gives.
    if ([...pending.values()].some((why) => why.includes('declared with other settings'))) {
      throw new Error(`the RabbitMQ queues do not match this configuration:${detail(false)}`);
    }
    if (Date.now() - lastReport >= 10_000) {
      lastReport = Date.now();
      say(`waiting for ${[...pending.keys()].join(', ')} (${Math.round((lastReport - started) / 1000)} s):${detail()}`);
    }
    return false;
  };
  await waitFor(allHealthy, { timeoutMs, failure: () => `not healthy after ${timeoutMs / 1000}s:${detail()}` });
}

/**
 * Runs `work` connected to the project's pm2 daemon, launching the daemon if none runs.
 * @param {(pm2: Pm2) => Promise<void>} work
 */
async function withPm2(work) {
  const { default: pm2 } = await import('pm2');
  await pm2Call((done) => pm2.connect((error) => done(error, undefined)));
  try {
    await work(pm2);
  } finally {
    pm2.disconnect();
  }
}

/**
 * pm2's API answers through callbacks: one of its calls as a promise.
 * @template T
 * @param {(done: (error: Error | null | undefined, value: T) => void) => void} call
 * @returns {Promise<T>}
 */
const pm2Call = (call) => new Promise((resolve, reject) => call((error, value) => (error ? reject(error) : resolve(value))));

/** The project's pm2 daemon runs (checked without connecting: connecting would launch one). */
const pm2DaemonRuns = () => ownedPid(join(PM2_HOME, 'pm2.pid'), isPm2Daemon) !== undefined;

/**
 * The detached stack, declared as a pm2 ecosystem: each app restarted a second after it dies, its
 * output and errors in one log under .acme/logs, 10 s to finish its work on SIGTERM.
 * @returns {{ apps: import('pm2').StartOptions[] }}
 */
function ecosystem() {
  /** @type {Record<string, string>} */
  const env = Object.fromEntries(Object.entries(process.env).filter(/** @returns {e is [string, string]} */ (e) => e[1] !== undefined));
  return {
    apps: APPS.map((app) => ({
      name: pm2Name(app),
      script: appScript(app.name),
      cwd: root,
      env,
      autorestart: true,
      restart_delay: 1_000,
      max_restarts: 10_000,
      kill_timeout: 10_000,
      output: join(logDir, `${app.name}.log`),
      error: join(logDir, `${app.name}.log`),
      merge_logs: true,
    })),
  };
}

/**
 * Refuses to start a second stack: a foreground `npm start` (its pid file), a detached `npm run up`
 * (pm2's acme-* apps), or anything else on the apps' ports. Two stacks fight over the same ports and
 * restart each other's workers forever (EADDRINUSE).
 */
async function refuseSecondStack() {
  const pid = ownedPid(stackPidFile, isStack);
  if (pid !== undefined) throw new Error(`a stack already runs in the foreground (npm start, pid ${pid}): stop it with Ctrl-C in its terminal, or npm run down`);
  if (pm2DaemonRuns()) {
    /** @type {string[]} */
    let online = [];
    await withPm2(async (pm2) => {
      /** @type {import('pm2').ProcessDescription[]} */
      const list = await pm2Call((done) => pm2.list(done));
      const ours = new Map(APPS.map((app) => [pm2Name(app), app.name]));
      online = list.filter((p) => ours.has(p.name ?? '') && p.pm2_env?.status !== 'stopped').map((p) => ours.get(p.name ?? '') ?? '');
    });
    if (online.length > 0) throw new Error(`a detached stack already runs (npm run up: ${online.join(', ')}): stop it with npm run down`);
  }
  const taken = [];
  for (const app of APPS) if ((await health(portOf(app))).why !== 'not answering') taken.push(`${app.name} (${portOf(app)})`);
  if (taken.length > 0) {
    throw new Error(
      `something already answers on the apps' ports: ${taken.join(', ')}. Another stack (another checkout, docker compose)? ` +
        'Stop it first, or give this one other ports in .env (COMMAND_API_PORT, …)',
    );
  }
}

function printUrls() {
  say('all apps are healthy:');
  for (const app of APPS) {
    const port = portOf(app);
    const docs = app.docs ? `   docs: http://127.0.0.1:${port}/docs` : '';
    const url = app.page ? `http://127.0.0.1:${port}/` : `http://127.0.0.1:${port}/health`;
    console.log(`  ${app.name.padEnd(20)} ${url.padEnd(30)} (${app.role})${docs}`);
  }
}

async function prepare() {
  loadLocalEnv();
  execSync('npm run --silent build', { cwd: root, stdio: 'inherit' });
  await ensureInfra({ schema: true });
}

async function start() {
  loadLocalEnv();
  await refuseSecondStack();
  // A person at a terminal reads coloured lines; a pipe or a file (CI, `npm start | tee`) keeps JSON.
  if (process.stdout.isTTY && !process.env.LOG_FORMAT) process.env.LOG_FORMAT = 'pretty';
  await prepare();
  const { default: concurrently } = await import('concurrently');
  writeFileSync(stackPidFile, String(process.pid));
  process.on('exit', () => rmSync(stackPidFile, { force: true }));
  const { result } = concurrently(
    APPS.map((app) => ({ name: app.name, command: `node ${appScript(app.name)}`, env: process.env })),
    { prefix: 'name', prefixColors: ['blue', 'green', 'magenta', 'cyan', 'yellow'], restartTries: 1_000, restartDelay: 2_000, cwd: root },
  );
  waitUntilHealthy({ timeoutMs: 120_000, logs: false })
    .then(() => {
      printUrls();
      say('Ctrl-C (or `npm run down` elsewhere) stops the apps');
    })
    .catch((error) => say(String(error)));
  await result.catch(() => undefined);
}

async function up() {
  loadLocalEnv();
  await refuseSecondStack();
  await prepare();
  const stack = ecosystem();
  await withPm2(async (pm2) => {
    // Left by a stack whose apps were stopped one by one (`npm run lab -- processor stop`): start afresh.
    for (const app of stack.apps) await pm2Call((done) => pm2.delete(app.name ?? '', done)).catch(() => undefined);
    await pm2Call((done) => pm2.start(stack, done));
  });
  await waitUntilHealthy({ timeoutMs: 120_000, logs: true }).catch((/** @type {Error} */ error) => {
    throw new Error(`${error.message}\n[stack] the apps stay under pm2 (they keep retrying); npm run down stops them`);
  });
  printUrls();
  say('running detached under pm2 (an app that dies is restarted); logs in .acme/logs/; `npm run down` stops them');
}

async function down() {
  loadLocalEnv();
  const foreground = ownedPid(stackPidFile, isStack);
  if (signalOwned(stackPidFile, isStack, 'SIGINT')) say(`stopped the foreground stack (pid ${foreground})`);
  if (stopFerretDb()) say('stopped FerretDB');
  say('PostgreSQL and RabbitMQ are shared system services and stay running');
  if (pm2DaemonRuns()) {
    say('stopping the detached apps');
    // killDaemon stops every app, then the daemon, and answers once the daemon says it is going.
    await withPm2((pm2) => pm2Call((done) => pm2.killDaemon(done)).then(() => undefined));
    await waitFor(() => Promise.resolve(!pm2DaemonRuns()), {
      timeoutMs: 10_000,
      failure: () => `pm2's daemon (${join(PM2_HOME, 'pm2.pid')}) still runs after it was told to stop: PM2_HOME=${PM2_HOME} npx pm2 kill`,
    });
    say('stopped the detached apps');
  }
}

const commands = { start, up, down };
const command = process.argv[2];
if (command !== 'start' && command !== 'up' && command !== 'down') {
  console.error('usage: node scripts/stack.mjs start|up|down');
  process.exit(2);
}
commands[command]()
  // The pm2 client can keep the event loop alive after it disconnected: leave explicitly.
  .then(() => command !== 'start' && process.exit(0))
  .catch((error) => {
    console.error(`[stack] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
