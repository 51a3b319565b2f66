import { repoRoot, TestPipeline } from '@acme/testing';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** The README's "Try it" commands, exactly as written (the one bash block under that heading). */
function tryItBlock(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.split('### Try it')[1];
  const block = section && /```bash\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('README.md has no bash block under "### Try it"');
  return block;
}

/** This machine's first address that is not loopback (undefined on a machine with none). */
const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

/** Whether a TCP connection to host:port is accepted. */
const accepts = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host, port, timeout: 2_000 });
    const done = (accepted: boolean) => {
      socket.destroy();
      resolve(accepted);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });

describe("the README's Try it, verbatim on a fresh database", () => {
  let pipeline: TestPipeline;

  beforeAll(async () => {
    pipeline = await TestPipeline.start();
  });

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('creates a proposal, reads it back, changes its status and reads every view of it, using the id the API returned', async () => {
    // Given a fresh database whose sequences did not start at the README's example ids
    await pipeline.db.query("SELECT setval(pg_get_serial_sequence('proposals', 'proposal_id'), 41)");
    // When the block runs with the apps' ports in place of the README's (3000, 3001), each answer on a line
    const block = tryItBlock()
      .replaceAll('localhost:3000', new URL(pipeline.commandApi.url).host)
      .replaceAll('localhost:3001', new URL(pipeline.queryApi.url).host);
    const script = `curl() { command curl "$@"; echo; }\n${block}`;
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { timeout: 30_000 });
    const answers = stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);

    // Then each command got the answer its comment promises, for proposal 42
    const [created, read, changed, readAgain, customer, events, duplicates] = answers;
    expect(created).toMatchObject({ proposalId: 42, version: 1 });
    expect(read).toMatchObject({ proposalId: 42, version: 1, status: 'ON_HOLD' });
    expect(changed).toMatchObject({ proposalId: 42, version: 2 });
    expect(readAgain).toMatchObject({ proposalId: 42, version: 2, status: 'AWAITING_CONFIRMATION' });
    expect(JSON.stringify(customer)).toContain('"proposalId":42');
    expect(events).toMatchObject({ proposalId: 42, events: [{ version: 1 }, { version: 2 }] });
    expect(duplicates).toMatchObject({ items: [] });
    expect(answers).toHaveLength(7);
  });

  (outsideAddress ? it : it.skip)(`listens on 127.0.0.1 only (HOST unset): nothing answers on ${outsideAddress ?? 'a non-loopback address'}`, async () => {
    const apps = [pipeline.commandApi, pipeline.queryApi, ...pipeline.processors, ...pipeline.subscribers];
    for (const app of apps) {
      expect(await accepts('127.0.0.1', app.port)).toBe(true);
      expect(await accepts(outsideAddress!, app.port)).toBe(false);
    }
  });
});
