import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot, waitFor } from './env';
import { freePort } from './mongo';

export type AppName = 'command-api' | 'query-api' | 'event-processor' | 'proposal-subscriber';

const PORT_VARIABLE: Record<AppName, string> = {
  'command-api': 'COMMAND_API_PORT',
  'query-api': 'QUERY_API_PORT',
  'event-processor': 'EVENT_PROCESSOR_PORT',
  'proposal-subscriber': 'PROPOSAL_SUBSCRIBER_PORT',
};

/** One built app (dist/) running as a real process on a free port, for e2e tests. */
export class RunningApp {
  output = '';
  /** Times the process ended without being told to (a crash), over all its restarts. */
  crashes = 0;
  private stopping = false;

  private constructor(
    readonly name: AppName,
    readonly port: number,
    private env: Record<string, string>,
    private child: ChildProcess,
  ) {}

  static async start(name: AppName, env: Record<string, string>, options: { waitHealthy?: boolean; port?: number } = {}): Promise<RunningApp> {
    const port = options.port ?? (await freePort());
    const app = new RunningApp(name, port, env, spawnApp(name, port, env));
    app.capture();
    if (options.waitHealthy !== false) await app.waitHealthy();
    return app;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      async () => {
        if (this.child.exitCode !== null) throw new Error(`${this.name} exited: ${this.output.slice(-2000)}`);
        return (await fetch(`${this.url}/health`)).ok;
      },
      `${this.name} to be healthy`,
      timeoutMs,
      100,
    );
  }

  /** kill -9: no graceful shutdown, as in a crash. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.stopping = true;
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill(signal);
    });
  }

  /** kill -9 and start again; `waitHealthy: false` when a dependency is meant to be down at start. */
  async restart(options: { waitHealthy?: boolean } = {}): Promise<void> {
    await this.kill();
    this.child = spawnApp(this.name, this.port, this.env);
    this.stopping = false;
    this.capture();
    if (options.waitHealthy !== false) await this.waitHealthy();
  }

  /** Restarts with `env` added to its environment from then on (a setting changed, then the app restarted). */
  async restartWith(env: Record<string, string>, options: { waitHealthy?: boolean } = {}): Promise<void> {
    this.env = { ...this.env, ...env };
    await this.restart(options);
  }

  async stop(): Promise<void> {
    await this.kill('SIGTERM');
  }

  private capture(): void {
    const append = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-50_000);
    };
    this.child.stdout?.on('data', append);
    this.child.stderr?.on('data', append);
    this.child.once('exit', () => {
      if (!this.stopping) this.crashes++;
    });
  }
}

function spawnApp(name: AppName, port: number, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [join(repoRoot, 'dist', 'apps', name, 'src', 'main.js')], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env, [PORT_VARIABLE[name]]: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** JSON over HTTP with the status, for tests. */
export async function http(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON bodies
): Promise<{ status: number; body: any; headers: Headers }> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
