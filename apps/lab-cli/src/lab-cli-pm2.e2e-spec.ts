import { repoRoot, TestPipeline, waitFor } from '@acme/testing';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PipelineStatus } from './commands/status';

const run = promisify(execFile);

/**
 * The lab commands that act through pm2, as under `npm run up`: the command API and the relay run
 * under a pm2 daemon of this test's own (its PM2_HOME in a folder laid out as a checkout), against
 * the test's pipeline. The other lab tests replace pm2 with the test's own process control; these
 * are the CLI's pm2 code itself.
 */
describe('lab console with the apps under pm2 (npm run up)', () => {
  let pipeline: TestPipeline;
  let cwd: string;
  let env: NodeJS.ProcessEnv;

  const pm2 = (...args: string[]) => run(join(cwd, 'node_modules', '.bin', 'pm2'), args, { cwd, env: { ...env, PM2_HOME: join(cwd, '.acme', 'pm2') } });

  beforeAll(async () => {
    pipeline = await TestPipeline.start();
    cwd = mkdtempSync(join(tmpdir(), 'acme-lab-pm2-'));
    symlinkSync(join(repoRoot, 'node_modules'), join(cwd, 'node_modules'));
    mkdirSync(join(cwd, '.acme'));
    env = pipeline.labCliEnv();
    delete env.PM2_HOME;
    // The command API and the relay move under pm2, on the same ports, with the names `npm run up` gives them.
    await pipeline.commandApi.kill();
    await pipeline.processors[0]?.kill();
    for (const app of ['command-api', 'event-processor']) {
      await pm2('start', join(repoRoot, 'dist', 'apps', app, 'src', 'main.js'), '--name', `acme-${app}`, '--kill-timeout', '10000');
    }
    await waitFor(async () => (await fetch(`${pipeline.commandApi.url}/health`)).ok && (await fetch(`${pipeline.processors[0]?.url}/health`)).ok, 'the apps under pm2 healthy', 30_000, 200);
  });

  afterAll(async () => {
    if (cwd) await pm2('kill').catch(() => undefined);
    await pipeline?.stop();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  const lab = async (...args: string[]): Promise<string> => (await run(process.execPath, [join(repoRoot, 'dist/apps/lab-cli/src/main.js'), ...args], { cwd, env, timeout: 60_000 })).stdout;
  const status = async () => JSON.parse(await lab('status', '--json')) as PipelineStatus;

  it('switches the publish mode and returns once the command API answers in it: the load right after is accepted', async () => {
    // When the mode is switched (the command API restarts under pm2) and proposals are loaded at once
    const switched = await lab('mode', 'direct');
    const loaded = await lab('load', '5');

    // Then every request was accepted, in direct mode
    expect(loaded).toContain('created 5, updated 0, failed 0');
    expect(switched).toContain('command-api restarted and answering in direct mode');
    expect(await lab('mode')).toContain('publish mode: direct');
    expect(await lab('mode', 'outbox')).toContain('answering in outbox mode');
    expect(await lab('load', '1')).toContain('created 1, updated 0, failed 0');
  });

  it('stops the relay with pm2 (the verdict names it) and returns from its start once it is healthy', async () => {
    // When the relay is stopped and a proposal created
    expect(await lab('processor', 'stop')).toContain('pm2 stop acme-event-processor');
    await lab('load', '1');

    // Then the status names the stopped relay and the event waiting for it
    const stopped = await waitFor(async () => {
      const s = await status();
      return s.outboxUnprocessed === 1 && s;
    }, 'the event waiting in the outbox', 15_000, 250);
    expect(stopped.health['event-processor']).toBe(false);
    expect(stopped.verdict).toMatchObject({ state: 'stuck', why: expect.stringContaining('event processor is not running') as string });

    // When it is started again, Then it is healthy as soon as the command returns, and the event goes out
    expect(await lab('processor', 'start')).toContain('pm2 start acme-event-processor');
    expect((await status()).health['event-processor']).toBe(true);
    await waitFor(async () => (await status()).verdict.state === 'in sync', 'IN SYNC', 30_000, 250);
  });
});
