import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, waitFor } from './env';
import { freePort } from './mongo';
import type { TestPipeline } from './pipeline';

/** The built lab page (apps/lab-console) as a process, watching one test pipeline. */
export class LabConsoleProcess {
  output = '';
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
  ) {
    const append = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-20_000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
  }

  /** `more`: URLs of further worker instances whose counters the page adds up (none unless given). */
  static async start(pipeline: TestPipeline, more: { eventProcessors?: string[]; subscribers?: string[] } = {}): Promise<LabConsoleProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [join(repoRoot, 'dist/apps/lab-console/src/main.js')], {
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        LAB_CONSOLE_PORT: String(port),
        AMQP_URL: pipeline.env.AMQP_URL ?? '',
        DATABASE_URL: pipeline.env.DATABASE_URL ?? '',
        MONGO_URL: pipeline.env.MONGO_URL ?? '',
        MONGO_DB: pipeline.env.MONGO_DB ?? '',
        COMMAND_API_URL: pipeline.commandApi.url,
        QUERY_API_URL: pipeline.queryApi.url,
        EVENT_PROCESSOR_URL: pipeline.processors[0]?.url ?? '',
        PROPOSAL_SUBSCRIBER_URL: pipeline.subscribers[0]?.url ?? '',
        MORE_EVENT_PROCESSOR_URLS: (more.eventProcessors ?? []).join(','),
        MORE_PROPOSAL_SUBSCRIBER_URLS: (more.subscribers ?? []).join(','),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const app = new LabConsoleProcess(`http://127.0.0.1:${port}`, child);
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`lab-console exited: ${app.output}`);
        return (await fetch(`${app.url}/health`)).ok;
      },
      'the lab console to be healthy',
      30_000,
      100,
    );
    return app;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }
}
