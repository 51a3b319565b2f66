import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, waitFor } from './env';
import { freePort } from './mongo';

/** A link between an app and a server, through the fault proxy. */
export interface ProxiedLink {
  /** The same URL, with host and port of the proxy's listener. */
  url: string;
  /** Every byte in both directions is answered with a TCP reset (ECONNRESET), on open and new connections. */
  reset(): Promise<void>;
  /** The link goes silent: no data passes, nothing is closed (a partition: no FIN, no RST). */
  silence(): Promise<void>;
  /** Latency on every packet. */
  slow(latencyMs: number): Promise<void>;
  /** Data cut into tiny TCP segments. */
  slice(bytes: number): Promise<void>;
  /** Takes every fault away. */
  heal(): Promise<void>;
}

/**
 * Toxiproxy (built into .acme/bin by scripts/infra.mjs) on a free port: real TCP faults on loopback,
 * for the links an app makes to PostgreSQL, RabbitMQ or MongoDB.
 */
export class Toxiproxy {
  private constructor(
    private readonly api: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(): Promise<Toxiproxy> {
    const binary = join(repoRoot, '.acme', 'bin', 'toxiproxy-server');
    if (!existsSync(binary)) throw new Error(`${binary} is missing: run node scripts/infra.mjs --private-ferretdb (npm test does)`);
    const port = await freePort();
    const child = spawn(binary, ['-host', '127.0.0.1', '-port', String(port)], { stdio: 'ignore' });
    const proxy = new Toxiproxy(`http://127.0.0.1:${port}`, child);
    await waitFor(async () => (await fetch(`${proxy.api}/version`).catch(() => null))?.ok ?? false, 'Toxiproxy to answer', 10_000, 50);
    return proxy;
  }

  /** Proxies `url`'s host:port on a free local port; returns the URL to give the app instead. */
  async link(name: string, url: string): Promise<ProxiedLink> {
    const target = new URL(url);
    const listen = await freePort();
    await this.call('POST', '/proxies', { name, listen: `127.0.0.1:${listen}`, upstream: `${target.hostname}:${target.port}`, enabled: true });
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(listen);
    const toxic = async (type: string, attributes: Record<string, number>) => {
      for (const stream of ['upstream', 'downstream']) {
        await this.call('POST', `/proxies/${name}/toxics`, { name: `${type}_${stream}`, type, stream, toxicity: 1, attributes });
      }
    };
    const heal = async () => {
      const toxics = (await this.call('GET', `/proxies/${name}/toxics`)) as { name: string }[];
      for (const t of toxics) await this.call('DELETE', `/proxies/${name}/toxics/${t.name}`);
    };
    return {
      url: proxied.toString(),
      reset: () => toxic('reset_peer', { timeout: 0 }),
      silence: () => toxic('timeout', { timeout: 0 }),
      slow: (latencyMs) => toxic('latency', { latency: latencyMs, jitter: 0 }),
      slice: (bytes) => toxic('slicer', { average_size: bytes, size_variation: 0, delay: 0 }),
      heal,
    };
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }

  private async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.api}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    if (!res.ok) throw new Error(`Toxiproxy ${method} ${path}: ${res.status} ${await res.text()}`);
    const text = await res.text();
    return text ? (JSON.parse(text) as unknown) : undefined;
  }
}
