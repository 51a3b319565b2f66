import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { attempt, type LabContext } from '../lab-context';
import { hasPm2, until } from '../runtime';

export async function currentMode(lab: LabContext): Promise<string | undefined> {
  return attempt(async () => ((await (await fetch(`${lab.url('command-api')}/health`, { signal: AbortSignal.timeout(3_000) })).json()) as { publishMode: string }).publishMode);
}

/**
 * Switches PUBLISH_MODE for Lab 1: writes it to .env and restarts the command API when it runs under
 * pm2 (`npm run up`), returning once it answers in the new mode — the lab's next line is a load, and
 * a command API still starting would refuse it. Under `npm start`, restart it yourself.
 */
export async function switchMode(lab: LabContext, mode: 'outbox' | 'direct'): Promise<string> {
  const file = '.env';
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const next = /^PUBLISH_MODE=.*$/m.test(text) ? text.replace(/^PUBLISH_MODE=.*$/m, `PUBLISH_MODE=${mode}`) : `${text}\nPUBLISH_MODE=${mode}\n`;
  writeFileSync(file, next);
  if (!hasPm2()) return `PUBLISH_MODE=${mode} written to .env — restart \`npm start\` (or use \`npm run up\`) to apply it`;
  execFileSync(join('node_modules', '.bin', 'pm2'), ['restart', 'acme-command-api', '--update-env'], {
    env: { ...process.env, PUBLISH_MODE: mode, PM2_HOME: join('.acme', 'pm2') },
    stdio: 'ignore',
  });
  const applied = await until(async () => (await currentMode(lab)) === mode, 30_000);
  return applied
    ? `PUBLISH_MODE=${mode} written to .env; command-api restarted and answering in ${mode} mode`
    : `PUBLISH_MODE=${mode} written to .env and command-api restarted, but it does not answer in ${mode} mode after 30 s: see npm run lab -- status`;
}
