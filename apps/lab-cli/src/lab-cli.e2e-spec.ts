import { repoRoot, TestPipeline, waitFor } from '@acme/testing';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PipelineStatus } from './commands/status';

/** The lab console run as a user runs it, against a running pipeline of its own. */
describe('lab console against the running stack', () => {
  let pipeline: TestPipeline;
  let cwd: string;

  beforeAll(async () => {
    pipeline = await TestPipeline.start();
    cwd = mkdtempSync(join(tmpdir(), 'acme-lab-')); // no .env here: the environment below is all it gets
  });

  afterAll(async () => {
    await pipeline.stop();
    rmSync(cwd, { recursive: true, force: true });
  });

  function lab(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = pipeline.labCliEnv();
    return new Promise((resolve) => {
      execFile(process.execPath, [join(repoRoot, 'dist/apps/lab-cli/src/main.js'), ...args], { cwd, env, timeout: 60_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  it('works in a checkout without .env (before the first npm start): the settings come from .env.example', async () => {
    // Given a folder with only the .env.example that `npm start` would copy, and a shell that sets nothing
    const fresh = mkdtempSync(join(tmpdir(), 'acme-lab-fresh-'));
    const ports = { COMMAND_API_PORT: pipeline.commandApi.port, QUERY_API_PORT: pipeline.queryApi.port, EVENT_PROCESSOR_PORT: pipeline.processors[0]?.port, PROPOSAL_SUBSCRIBER_PORT: pipeline.subscribers[0]?.port };
    const settings = { ...pipeline.env, ...ports };
    writeFileSync(join(fresh, '.env.example'), Object.entries(settings).map(([k, v]) => `${k}=${String(v)}`).join('\n'));
    const shell = Object.fromEntries(Object.entries(process.env).filter(([k]) => !(k in settings)));
    try {
      // When the lab reports the status there
      const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [join(repoRoot, 'dist/apps/lab-cli/src/main.js'), 'status', '--json'], { cwd: fresh, env: { ...shell, NO_COLOR: '1' }, timeout: 60_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });

      // Then it reads this pipeline, not "invalid configuration"
      expect(result.stderr).not.toMatch(/invalid configuration/);
      expect(result.code).toBe(0);
      const s = JSON.parse(result.stdout) as PipelineStatus;
      expect(s.health).toEqual({ 'command-api': true, 'query-api': true, 'event-processor': true, 'proposal-subscriber': true });
      expect(s.writeProposals).toEqual(expect.any(Number));
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  const status = async (): Promise<PipelineStatus> => JSON.parse((await lab('status', '--json')).stdout) as PipelineStatus;
  const inSync = () => waitFor(async () => (await status()).verdict.state === 'in sync' && (await status()), 'IN SYNC', 30_000, 250);

  it('loads proposals with a progress bar and reports the pipeline in sync once they are projected', async () => {
    // When the lab loads 8 proposals
    const loaded = await lab('load', '8', '--rate', '40');

    // Then they are created and, shortly after, projected; status says so
    expect(loaded.code).toBe(0);
    expect(loaded.stdout).toContain('created 8, updated 0, failed 0');
    const s = await inSync();
    expect(s).toMatchObject({ writeProposals: 8, readProposals: 8, outboxUnprocessed: 0, queues: { work: 0, retry: 0, dlq: 0 } });
    expect((await lab('status')).stdout).toMatch(/IN SYNC: every stored event has been projected/);
  });

  it('loads updates too with --updates: each proposal changed that often, every version projected', async () => {
    // Given the proposals before
    const before = (await status()).writeProposals ?? 0;

    // When the lab loads 4 proposals with 2 pax replacements each
    const loaded = await lab('load', '4', '--updates', '2', '--rate', '40');

    // Then 4 were created and 8 updated, and once in sync every view is at version 3
    expect(loaded.code).toBe(0);
    expect(loaded.stdout).toContain('created 4, updated 8, failed 0');
    expect(loaded.stdout).toMatch(/\d+ requests\/s sent of the 40\/s asked/);
    const s = await inSync();
    expect(s).toMatchObject({ writeProposals: before + 4, readProposals: before + 4 });
    const rows = await pipeline.db.query<{ version: number }>('SELECT version FROM proposals ORDER BY proposal_id DESC LIMIT 4');
    expect(rows.map((r) => r.version)).toEqual([3, 3, 3, 3]);
  });

  it('replays the last events: the duplicates are logged and the views unchanged', async () => {
    const before = await inSync();
    const replayed = await lab('replay', '--last', '2');
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toMatch(/marked unprocessed: event_id \d+, \d+/);

    const after = await waitFor(async () => {
      const s = await status();
      return s.duplicateEvents === (before.duplicateEvents ?? 0) + 2 && s;
    }, 'two duplicates logged');
    expect(after.readProposals).toBe(before.readProposals);
    expect(after.verdict.state).toBe('in sync');
  });

  it('sends poison to the DLQ, lists it with its reason, re-drives it, and discards it leaving the outbox and the views', async () => {
    expect((await lab('poison', '--kind', 'schema')).code).toBe(0);
    await waitFor(async () => (await status()).queues?.dlq === 1, 'poison in the DLQ');
    const s = await status();
    expect(s.verdict).toMatchObject({ state: 'stuck', why: expect.stringContaining('1 message(s) in the DLQ') });

    const listed = await lab('dlq', 'list');
    expect(listed.stdout).toContain('contract violation');
    const id = /^(poison-\S+)/m.exec(listed.stdout)?.[1] ?? '';
    expect((await lab('dlq', 'show', id)).stdout).toContain('"reason": "contract violation');

    // Re-driven poison is judged again and comes straight back: the redrive stops after one pass
    const redriven = await lab('dlq', 'redrive', '--all');
    expect(redriven.stdout).toContain('re-drove 1 message(s)');
    await waitFor(async () => (await status()).queues?.dlq === 1, 'poison back in the DLQ');

    // The clean-up: the DLQ emptied, nothing else touched (a reset would drop the views and the outbox)
    const before = await status();
    const purged = await lab('dlq', 'purge', '--all');
    expect(purged.stdout).toContain('discarded 1 dead letter(s)');
    const after = await status();
    expect(after.queues?.dlq).toBe(0);
    expect(after).toMatchObject({ readProposals: before.readProposals, appliedEvents: before.appliedEvents, outboxProcessed: before.outboxProcessed });
    expect(after.verdict.state).toBe('in sync');
  });

  it('names the stage that is stuck: a stopped event processor with events waiting in the outbox', async () => {
    const processor = pipeline.processors[0]!;
    await processor.kill();
    try {
      await lab('load', '2');
      const s = await status();
      expect(s.verdict).toEqual({ state: 'stuck', why: expect.stringContaining('the event processor is not running; 2 event(s) wait in the outbox') });
    } finally {
      await processor.restart();
    }
    await waitFor(async () => (await status()).outboxUnprocessed === 0, 'backlog drained after the restart');
  });

  it('rebuilds the views from the event store to the same counts', async () => {
    const before = await status();
    const rebuilt = await lab('rebuild');
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stdout).toMatch(/rebuilt \d+ proposal views/);
    expect((await status()).readProposals).toBe(before.readProposals);
  });

  it('deletes and re-declares the queues with --topology, and the running subscriber consumes again', async () => {
    // When the queues are deleted under the running relay and subscriber (the broker cancels the consumer)
    const reset = await lab('reset', '--proposals', '--topology', '--yes');
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain(`deleted proposal.reader.queue`);
    expect(reset.stdout).toContain('declared the queues again');

    // Then new events are still published to a bound queue and projected: nothing is confirmed into the void
    expect((await lab('load', '3')).stdout).toContain('created 3, updated 0, failed 0');
    const s = await inSync();
    expect(s).toMatchObject({ writeProposals: 3, readProposals: 3, appliedEvents: 3, queues: { dlq: 0 } });
  });

  it('resets only with confirmation, then leaves an empty pipeline', async () => {
    const refused = await lab('reset', '--proposals');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('refusing to reset without confirmation: add --yes');
    expect((await status()).writeProposals).toBeGreaterThan(0);

    const reset = await lab('reset', '--proposals', '--yes');
    expect(reset.code).toBe(0);
    const s = await status();
    expect(s).toMatchObject({ writeProposals: 0, readProposals: 0, outboxUnprocessed: 0, outboxProcessed: 0, queues: { work: 0, retry: 0, dlq: 0 } });
  });

  it.each([
    [['replay'], 'give an event id or --last N'],
    [['replay', 'not-an-id'], 'give an outbox event_id (a number), an event guid (a uuid) or --last N'],
    [['load', 'abc'], 'must be a positive whole number'],
    [['load', '3', '--updates', '-1'], 'must be a whole number from 0 to 999'],
    [['rabbit', 'explode'], "Allowed choices are stop, start"],
    [['processor', 'stop'], 'not running under pm2'],
    [['dlq', 'redrive'], 'give a message id or --all'],
  ])('rejects `lab %j` with a clear message and exit code 1', async (args, message) => {
    const result = await lab(...args);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
  });
});
