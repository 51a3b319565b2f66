// @ts-check
// The whole system on this machine.
//   node scripts/stack.mjs start   foreground, logs prefixed by app, Ctrl-C stops everything
//   node scripts/stack.mjs up      detached under pm2 (restarts an app that dies), returns when healthy
//   node scripts/stack.mjs down    stops the apps (either way) and the FerretDB this project started
import { execSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ensureInfra, stopFerretDb } from './infra.mjs';
import { loadLocalEnv } from './local-env.mjs';
import { APPS, appScript, logDir, root, runDir, stateDir } from './paths.mjs';
import { setTimeout as sleep } from 'node:timers/promises';

const require = createRequire(import.meta.url);
process.env.PM2_HOME ??= join(stateDir, 'pm2'); // the project's own pm2, not the user's ~/.pm2
const say = (/** @type {string} */ line) => console.log(`[stack] ${line}`);
const stackPidFile = join(runDir, 'stack.pid');

function portOf(/** @type {(typeof APPS)[number]} */ app) {
  return Number(process.env[app.portVar] ?? app.port);
}

/**
 * An app's /health: `ok`, or why not in a few words ("not answering", or the checks that are down and
 * the error it gives, e.g. a TopologyMismatchError that names the fix).
 * @returns {Promise<{ ok: boolean, why: string }>}
 */
async function health(/** @type {number} */ port) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3_000) });
    if (res.ok) return { ok: true, why: 'healthy' };
    const body = await res.json().catch(() => ({}));
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
  if (!existsSync(file)) return '';
  const tail = readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines);
  return `\n    last lines of .acme/logs/${app}.log:\n      ${tail.join('\n      ')}`;
}

/** Waits for every app to be healthy; says every 10 s which ones it waits for and why, and fails naming them. */
async function waitUntilHealthy({ timeoutMs = 120_000, logs = false } = {}) {
  const started = Date.now();
  let lastReport = started;
  /** @type {Map<string, string>} */
  const pending = new Map(APPS.map((a) => [a.name, 'not answering']));
  while (pending.size > 0) {
    for (const app of APPS) {
      if (!pending.has(app.name)) continue;
      const answer = await health(portOf(app));
      if (answer.ok) pending.delete(app.name);
      else pending.set(app.name, answer.why);
    }
    if (pending.size === 0) break;
    const waited = Date.now() - started;
    const detail = (withLogs = logs) => [...pending].map(([name, why]) => `\n  ${name}: ${why}${withLogs ? logTail(name) : ''}`).join('');
    // Queues declared with other settings do not heal by waiting: say so now, with the fix the app gives.
    const mismatch = [...pending.values()].find((why) => why.includes('declared with other settings'));
    if (mismatch) throw new Error(`the RabbitMQ queues do not match this configuration:${detail(false)}`);
    if (waited > timeoutMs) throw new Error(`not healthy after ${timeoutMs / 1000}s:${detail()}`);
    if (Date.now() - lastReport >= 10_000) {
      lastReport = Date.now();
      say(`waiting for ${[...pending.keys()].join(', ')} (${Math.round(waited / 1000)} s):${detail()}`);
    }
    await sleep(500);
  }
}

/** A process that is still alive (signal 0 tests without sending anything). */
function alive(/** @type {number} */ pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Refuses to start a second stack: a foreground `npm start` (its pid file), a detached `npm run up`
 * (pm2's acme-* apps), or anything else on the apps' ports. Two stacks fight over the same ports and
 * restart each other's workers forever (EADDRINUSE).
 */
async function refuseSecondStack() {
  if (existsSync(stackPidFile)) {
    const pid = Number(readFileSync(stackPidFile, 'utf8'));
    if (alive(pid)) throw new Error(`a stack already runs in the foreground (npm start, pid ${pid}): stop it with Ctrl-C in its terminal, or npm run down`);
    rmSync(stackPidFile, { force: true }); // left by a stack that was killed
  }
  const pm2Pid = join(process.env.PM2_HOME ?? '', 'pm2.pid');
  if (existsSync(pm2Pid) && alive(Number(readFileSync(pm2Pid, 'utf8')))) {
    /** @type {string[]} */
    let online = [];
    await withPm2(async (pm2) => {
      const list = /** @type {{ name: string, pm2_env?: { status?: string } }[]} */ (await pm2Call(pm2, 'list', undefined));
      online = list.filter((p) => p.name.startsWith('acme-') && p.pm2_env?.status !== 'stopped').map((p) => p.name.slice('acme-'.length));
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
  const { concurrently } = require('concurrently');
  writeFileSync(stackPidFile, String(process.pid));
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
  const stop = () => rmSync(stackPidFile, { force: true });
  process.on('exit', stop);
  await result.catch(() => undefined);
}

/** @param {(pm2: any) => Promise<void>} work */
async function withPm2(work) {
  const pm2 = require('pm2');
  await new Promise((resolve, reject) => pm2.connect((/** @type {unknown} */ e) => (e ? reject(e) : resolve(undefined))));
  try {
    await work(pm2);
  } finally {
    pm2.disconnect();
  }
}

const pm2Call = (/** @type {any} */ pm2, /** @type {string} */ method, /** @type {unknown} */ arg) =>
  new Promise((resolve, reject) => pm2[method](arg, (/** @type {unknown} */ e, /** @type {unknown} */ r) => (e ? reject(e) : resolve(r))));

async function up() {
  loadLocalEnv();
  await refuseSecondStack();
  await prepare();
  await withPm2(async (pm2) => {
    for (const app of APPS) {
      await pm2Call(pm2, 'delete', `acme-${app.name}`).catch(() => undefined);
      await pm2Call(pm2, 'start', {
        name: `acme-${app.name}`,
        script: appScript(app.name),
        cwd: root,
        env: { ...process.env },
        autorestart: true,
        restart_delay: 1_000,
        max_restarts: 10_000,
        kill_timeout: 10_000,
        out_file: join(logDir, `${app.name}.log`),
        error_file: join(logDir, `${app.name}.log`),
        merge_logs: true,
      });
    }
  });
  await waitUntilHealthy({ timeoutMs: 120_000, logs: true }).catch((/** @type {Error} */ error) => {
    throw new Error(`${error.message}\n[stack] the apps stay under pm2 (they keep retrying); npm run down stops them`);
  });
  printUrls();
  say('running detached under pm2 (an app that dies is restarted); logs in .acme/logs/; `npm run down` stops them');
}

async function down() {
  loadLocalEnv();
  if (existsSync(stackPidFile)) {
    const pid = Number(readFileSync(stackPidFile, 'utf8'));
    try {
      process.kill(pid, 'SIGINT');
      say(`stopped the foreground stack (pid ${pid})`);
    } catch {
      // already gone
    }
    rmSync(stackPidFile, { force: true });
  }
  if (stopFerretDb()) say('stopped FerretDB');
  say('PostgreSQL and RabbitMQ are shared system services and stay running');
  if (existsSync(join(process.env.PM2_HOME ?? '', 'pm2.pid'))) {
    say('stopping the detached apps');
    await withPm2(async (pm2) => {
      for (const app of APPS) await pm2Call(pm2, 'delete', `acme-${app.name}`).catch(() => undefined);
      // killDaemon's answer may never come (seen: the daemon was gone, the call waited forever).
      const gone = new Promise((resolve) => setTimeout(resolve, 5_000).unref());
      await Promise.race([pm2Call(pm2, 'killDaemon', undefined).catch(() => undefined), gone]);
    });
    say('stopped the detached apps');
  }
}

const commands = { start, up, down };
const command = /** @type {keyof typeof commands} */ (process.argv[2]);
if (!commands[command]) {
  console.error('usage: node scripts/stack.mjs start|up|down');
  process.exit(2);
}
commands[command]()
  // The pm2 client can keep the event loop alive after its daemon is gone: leave explicitly.
  .then(() => command !== 'start' && process.exit(0))
  .catch((error) => {
  console.error(`[stack] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
