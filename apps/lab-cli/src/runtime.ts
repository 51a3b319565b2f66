import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { LabConfig, LabContext } from './lab-context';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Fault injection for the environment the stack runs in:
 *   local   — RabbitMQ via rabbitmqctl stop_app/start_app, the apps under pm2 (`npm run up`),
 *             FerretDB by its pid file;
 *   compose — `docker compose stop|start <service>`.
 */
export type Target = 'rabbit' | 'processor' | 'subscriber' | 'mongo';

const COMPOSE_SERVICE: Record<Target, string> = {
  rabbit: 'rabbitmq',
  processor: 'event-processor',
  subscriber: 'proposal-subscriber',
  mongo: 'mongo',
};
const PM2_APP: Partial<Record<Target, string>> = { processor: 'acme-event-processor', subscriber: 'acme-proposal-subscriber' };

const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 120_000 });

export async function control(target: Target, action: 'stop' | 'start', config: LabConfig): Promise<string> {
  if (config.ACME_RUNTIME === 'compose') {
    run('docker', ['compose', action, COMPOSE_SERVICE[target]]);
    return `docker compose ${action} ${COMPOSE_SERVICE[target]}`;
  }
  switch (target) {
    case 'rabbit':
      run('rabbitmqctl', ['-q', action === 'stop' ? 'stop_app' : 'start_app']);
      return `rabbitmqctl ${action}_app`;
    case 'processor':
    case 'subscriber': {
      const app = PM2_APP[target] ?? '';
      const pm2 = join('node_modules', '.bin', 'pm2');
      const env = { ...process.env, PM2_HOME: join('.acme', 'pm2') };
      if (!existsSync(join('.acme', 'pm2', 'pm2.pid'))) {
        throw new Error(`the apps are not running under pm2: start them with \`npm run up\` to stop and start one of them`);
      }
      run(pm2, [action, app], env);
      return `pm2 ${action} ${app}`;
    }
    case 'mongo':
      return controlFerretDb(action);
  }
}

async function controlFerretDb(action: 'stop' | 'start'): Promise<string> {
  // The same functions `npm start` uses, so the lab stops exactly the server the stack started.
  const infra = (await import(join(process.cwd(), 'scripts', 'infra.mjs'))) as {
    stopFerretDb(): boolean;
    ensureInfra(): Promise<void>;
  };
  if (action === 'stop') {
    if (!infra.stopFerretDb()) throw new Error('no FerretDB started by this project is running (a MongoDB of your own? stop it yourself)');
    return 'FerretDB stopped';
  }
  await infra.ensureInfra();
  return 'FerretDB started';
}

export const hasPm2 = (): boolean => existsSync(join('.acme', 'pm2')) && readdirSync(join('.acme', 'pm2')).includes('pm2.pid');

/**
 * Makes every app connected to the lab's vhost reconnect (RabbitMQ closes their connections; their
 * connection managers open new ones and run their setup again: declare the queues, consume).
 * Needed after the queues were deleted under running consumers: RabbitMQ 3.10 sends no basic.cancel
 * to the consumers of a deleted quorum queue, and a queue declared again under the same name then
 * counts those dead consumers as its own and hands them messages that never arrive.
 */
export function reconnectApps(config: LabConfig, reason: string): string {
  const vhost = decodeURIComponent(new URL(config.AMQP_URL).pathname.slice(1)) || '/';
  const args = ['-q', 'close_all_connections', '--vhost', vhost, reason];
  if (config.ACME_RUNTIME === 'compose') {
    run('docker', ['compose', 'exec', '-T', 'rabbitmq', 'rabbitmqctl', ...args]);
    return `docker compose exec rabbitmq rabbitmqctl close_all_connections --vhost ${vhost}`;
  }
  run('rabbitmqctl', args);
  return `rabbitmqctl close_all_connections --vhost ${vhost}`;
}

const ok = async (probe: () => Promise<unknown>): Promise<boolean> => {
  try {
    await probe();
    return true;
  } catch {
    return false;
  }
};

/** Polls `condition` every 250 ms; false when it did not hold within `timeoutMs` (the lab says so and goes on). */
export async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(250)) {
    if (await condition()) return true;
  }
  return false;
}

/**
 * Returns once the fault is in effect (or the recovery done), so that the lab's next command sees it:
 * MongoDB no longer answering after `mongo stop` (FerretDB takes a few seconds to go), the workers
 * healthy again after `rabbit start` or their own start (they reconnect within a second or two).
 * Says what it could not see happen instead of failing.
 */
export async function settle(target: Target, action: 'stop' | 'start', lab: LabContext): Promise<string | undefined> {
  const healthy = async (app: 'event-processor' | 'proposal-subscriber') =>
    (await fetch(`${lab.url(app)}/health`, { signal: AbortSignal.timeout(3_000) }).catch(() => undefined))?.ok ?? false;
  const workers: ('event-processor' | 'proposal-subscriber')[] =
    target === 'processor' ? ['event-processor'] : target === 'subscriber' ? ['proposal-subscriber'] : target === 'rabbit' ? ['event-processor', 'proposal-subscriber'] : [];
  if (action === 'stop' && target === 'mongo') {
    const gone = await until(async () => !(await ok(() => lab.mongo.command({ ping: 1 }))), 15_000);
    return gone ? undefined : 'MongoDB still answers after 15 s';
  }
  if (action === 'start' && workers.length > 0 && lab.config.ACME_RUNTIME === 'local') {
    const up = await until(async () => (await Promise.all(workers.map(healthy))).every(Boolean), 20_000);
    return up ? undefined : `${workers.join(' and ')} not healthy yet after 20 s: see npm run lab -- status`;
  }
  return undefined;
}
