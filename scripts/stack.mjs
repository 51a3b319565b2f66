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

const require = createRequire(import.meta.url);
process.env.PM2_HOME ??= join(stateDir, 'pm2'); // the project's own pm2, not the user's ~/.pm2
const say = (/** @type {string} */ line) => console.log(`[stack] ${line}`);
const sleep = (/** @type {number} */ ms) => new Promise((r) => setTimeout(r, ms));
const stackPidFile = join(runDir, 'stack.pid');

function portOf(/** @type {(typeof APPS)[number]} */ app) {
  return Number(process.env[app.portVar] ?? app.port);
}

async function healthy(/** @type {number} */ port) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) });
    return res.ok;
  } catch {
    return false;
  }
}

async function waitUntilHealthy(timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(APPS.map((a) => a.name));
  while (pending.size > 0) {
    for (const app of APPS) if (pending.has(app.name) && (await healthy(portOf(app)))) pending.delete(app.name);
    if (pending.size === 0) break;
    if (Date.now() > deadline) throw new Error(`not healthy after ${timeoutMs / 1000}s: ${[...pending].join(', ')}`);
    await sleep(500);
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
  await prepare();
  const { concurrently } = require('concurrently');
  writeFileSync(stackPidFile, String(process.pid));
  const { result } = concurrently(
    APPS.map((app) => ({ name: app.name, command: `node ${appScript(app.name)}`, env: process.env })),
    { prefix: 'name', prefixColors: ['blue', 'green', 'magenta', 'cyan', 'yellow'], restartTries: 1_000, restartDelay: 2_000, cwd: root },
  );
  waitUntilHealthy()
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
  await waitUntilHealthy();
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
