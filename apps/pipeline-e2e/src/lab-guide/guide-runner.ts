import { closeVhost, http, reopenVhost, repoRoot, RunningApp, waitFor, type AppName, type PrivateFerretDb, type TestPipeline } from '@acme/testing';
import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { GuideBlock, GuideStep } from './guide';

export interface StepResult {
  step: GuideStep;
  code: number;
  stdout: string;
  stderr: string;
  /** What `curl` printed, parsed: one body per URL. */
  bodies: unknown[];
  ms: number;
}

/** The guide's ports (.env.example), and the app each one is in the guide. */
const GUIDE_PORTS: Record<number, AppName> = { 3000: 'command-api', 3001: 'query-api', 3002: 'event-processor', 3003: 'proposal-subscriber' };
const STATES = /^(IN SYNC|CATCHING UP|STUCK|OUT OF SYNC): .*$/m;

/**
 * Runs the guide's lines as a student types them, against a pipeline the test started (its own
 * database, vhost and FerretDB, on free ports). `npm run lab -- …` is the built lab CLI itself. The
 * lines that act on the machine are done here with the same effect on this pipeline only:
 *
 *   npm run up                         the pipeline is already running: every app healthy
 *   npm run lab -- mode outbox|direct  the command API restarted with PUBLISH_MODE (the CLI: .env + pm2)
 *   npm run lab -- rabbit stop|start   this pipeline's vhost closed and reopened (the CLI: stop_app on
 *                                      the shared broker, which would break every other test); start
 *                                      returns once the workers are healthy again, as the CLI does
 *   npm run lab -- processor|subscriber stop|start   that app killed / started again (the CLI: pm2)
 *   npm run lab -- mongo stop|start    the pipeline's private FerretDB killed / started again
 *   set -a; . ./.env; set +a           nothing: every command gets the pipeline's environment
 *   PORT_VAR=N node dist/apps/<app>/src/main.js & VAR=$!    one more instance of that app; `localhost:N` is it
 *   kill $VAR …                        those instances stopped
 *   curl -s localhost:N/path …         GET from the app the guide's port N names
 *   rabbitmqctl list_queues …          the same, in this pipeline's vhost
 *
 * Any other line fails: a step the guide gains must be taught here first.
 */
export class GuideRunner {
  private readonly cwd: string;
  private readonly extra = new Map<number, RunningApp>();
  private readonly byVariable = new Map<string, RunningApp>();
  readonly results: StepResult[] = [];

  constructor(
    private readonly pipeline: TestPipeline,
    private readonly ferret: PrivateFerretDb,
    cwd: string,
    /** Where a further instance the guide starts on its port N listens (chosen up front, so the page can watch it). */
    private readonly extraPorts: ReadonlyMap<number, number> = new Map(),
  ) {
    this.cwd = cwd;
    mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
    writeFileSync(join(repoRoot, 'test-results', 'lab-guide.txt'), '');
  }

  /** The CLI's environment: the pipeline's connections and ports, nothing from a .env. */
  cliEnv(): NodeJS.ProcessEnv {
    return this.pipeline.labCliEnv();
  }

  lab(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      execFile(process.execPath, [join(repoRoot, 'dist/apps/lab-cli/src/main.js'), ...args], { cwd: this.cwd, env: this.cliEnv(), timeout: 90_000 }, (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  }

  /** The lab CLI under a terminal (`script` gives it one), for what it shows only there; stdout and stderr together. */
  labOnTerminal(...args: string[]): Promise<string> {
    const line = [process.execPath, join(repoRoot, 'dist/apps/lab-cli/src/main.js'), ...args].join(' ');
    return new Promise((resolve) => {
      execFile('script', ['-qec', line, '/dev/null'], { cwd: this.cwd, env: this.cliEnv(), timeout: 60_000 }, (_error, stdout) => resolve(stdout));
    });
  }

  /** Runs every step of a block in order; `after` sees each result (to look at the page then). */
  async runBlock(block: GuideBlock, after?: (result: StepResult) => Promise<void>): Promise<StepResult[]> {
    const results: StepResult[] = [];
    for (const step of block.steps) {
      const result = await this.run(step);
      results.push(result);
      await after?.(result);
    }
    return results;
  }

  async run(step: GuideStep): Promise<StepResult> {
    const started = Date.now();
    const done = (r: Partial<StepResult> = {}): StepResult => {
      const result = { step, code: 0, stdout: '', stderr: '', bodies: [], ...r, ms: Date.now() - started };
      this.results.push(result);
      this.transcript(`$ ${step.command}   (${result.ms} ms)\n${result.stdout}${result.stderr}`);
      return result;
    };
    const command = step.command;
    const lab = /^npm run lab -- (.+)$/.exec(command);
    if (lab?.[1]) {
      const args = lab[1].split(/\s+/);
      const env = await this.environment(args);
      if (env !== undefined) return done({ stdout: env });
      const result = step.expects && args[0] === 'status' ? await this.statusUntil(step) : await this.lab(...args);
      if (result.code !== 0) throw new Error(`\`${command}\` exited ${result.code}: ${result.stderr || result.stdout}`);
      return done(result);
    }
    if (command === 'npm run up') {
      await Promise.all(this.apps().map((app) => app.waitHealthy()));
      return done();
    }
    if (command === 'set -a; . ./.env; set +a') return done();
    const start = /^([A-Z_]+_PORT)=(\d+) node dist\/apps\/([a-z-]+)\/src\/main\.js & (\w+)=\$!$/.exec(command);
    if (start) {
      const [, , port, app, variable] = start;
      const instance = await RunningApp.start(app as AppName, this.pipeline.env, { port: this.extraPorts.get(Number(port)) });
      this.extra.set(Number(port), instance);
      this.byVariable.set(variable ?? '', instance);
      return done();
    }
    const kill = /^kill((?: \$\w+)+)$/.exec(command);
    if (kill?.[1]) {
      for (const variable of kill[1].trim().split(' ')) {
        const instance = this.byVariable.get(variable.slice(1));
        if (!instance) throw new Error(`\`${command}\`: nothing was started as ${variable}`);
        await instance.stop();
      }
      return done();
    }
    const curl = /^curl -s ((?:localhost:\d+\/\S*\s*)+)$/.exec(command);
    if (curl?.[1]) {
      const bodies: unknown[] = [];
      for (const url of curl[1].trim().split(/\s+/)) {
        const [, port, path] = /^localhost:(\d+)(\/\S*)$/.exec(url) ?? [];
        bodies.push((await http('GET', `${this.urlOf(Number(port))}${path}`)).body);
      }
      return done({ bodies, stdout: JSON.stringify(bodies) });
    }
    if (/^rabbitmqctl list_queues [\w ]+$/.test(command)) {
      const [, ...args] = command.split(' ');
      const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile('rabbitmqctl', ['-q', '-p', this.pipeline.vhost.name, ...args], { timeout: 60_000 }, (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
        );
      });
      return done(result);
    }
    const pause = /^sleep (\d+)$/.exec(command);
    if (pause) {
      await sleep(Number(pause[1]) * 1000);
      return done();
    }
    throw new Error(`the lab guide's runner does not know how to run \`${command}\`: teach it in guide-runner.ts`);
  }

  /** The fault and mode commands, done on this pipeline; undefined when `args` is not one of them. */
  private async environment(args: string[]): Promise<string | undefined> {
    const [what, act] = args;
    const { pipeline } = this;
    if (what === 'mode' && (act === 'outbox' || act === 'direct')) {
      await pipeline.commandApi.restartWith({ PUBLISH_MODE: act });
      return `command-api restarted with PUBLISH_MODE=${act}`;
    }
    if (act !== 'stop' && act !== 'start') return undefined;
    switch (what) {
      case 'rabbit':
        if (act === 'stop') {
          await closeVhost(pipeline.vhost, 'lab guide: rabbit stop');
          return 'vhost closed';
        }
        await reopenVhost(pipeline.vhost);
        await Promise.all([...pipeline.processors, ...pipeline.subscribers].map((app) => app.waitHealthy(30_000)));
        return 'vhost reopened, workers healthy';
      case 'processor':
      case 'subscriber': {
        const app = (what === 'processor' ? pipeline.processors : pipeline.subscribers)[0];
        if (!app) throw new Error(`no ${what} in the pipeline`);
        if (act === 'stop') await app.kill();
        else await app.restart();
        return `${app.name} ${act === 'stop' ? 'stopped' : 'started'}`;
      }
      case 'mongo':
        if (act === 'stop') await this.ferret.kill();
        else await this.ferret.resume();
        return `FerretDB ${act === 'stop' ? 'stopped' : 'started'}`;
      default:
        return undefined;
    }
  }

  /** `status` again and again until its verdict is the one the step's comment promises. */
  private async statusUntil(step: GuideStep): Promise<{ code: number; stdout: string; stderr: string }> {
    const expects = step.expects;
    const wanted = `${expects?.state ?? ''}:${expects?.why ? ` ${expects.why}` : ''}`;
    let last = { code: 1, stdout: '', stderr: '' };
    try {
      return await waitFor(
        async () => {
          last = await this.lab('status');
          return (STATES.exec(last.stdout)?.[0] ?? '').startsWith(wanted) && last;
        },
        `\`${step.command}\` to say ${wanted}`,
        45_000,
        250,
      );
    } catch (error) {
      throw new Error(`${(error as Error).message}; it said:\n${last.stdout}${last.stderr}`);
    }
  }

  private apps(): RunningApp[] {
    const p = this.pipeline;
    return [p.commandApi, p.queryApi, ...p.processors, ...p.subscribers];
  }

  private urlOf(port: number): string {
    const instance = this.extra.get(port);
    if (instance) return instance.url;
    const app = GUIDE_PORTS[port];
    const p = this.pipeline;
    const running = { 'command-api': p.commandApi, 'query-api': p.queryApi, 'event-processor': p.processors[0], 'proposal-subscriber': p.subscribers[0] }[app ?? 'command-api'];
    if (!app || !running) throw new Error(`the guide names localhost:${port}, which is none of the apps`);
    return running.url;
  }

  /** What each step printed, in test-results/lab-guide.txt: the first place to look when a lab fails. */
  private transcript(text: string): void {
    mkdirSync(join(repoRoot, 'test-results'), { recursive: true });
    appendFileSync(join(repoRoot, 'test-results', 'lab-guide.txt'), `${new Date().toISOString()} ${text.trimEnd()}\n\n`);
  }

  /** Stops what the guide started and was not stopped by it (a failed lab). */
  async stopExtras(): Promise<void> {
    await Promise.all([...this.extra.values()].map((app) => app.stop()));
  }
}

/** The verdict line of a `status` output. */
export const verdictLine = (stdout: string): string => STATES.exec(stdout)?.[0] ?? '';
