import { Agent, request } from 'node:http';

/** Keep-alive connections to 127.0.0.1 only, so the client side costs as little as it can. */
const agent = new Agent({ keepAlive: true, maxSockets: 1_024 });

export interface HttpResponse {
  status: number;
  body: string;
}

/** One HTTP request with a timeout; resolves with status and body, rejects on a network error or timeout. */
export function httpRequest(method: string, url: string, body?: string, timeoutMs = 15_000): Promise<HttpResponse> {
  const target = new URL(url);
  if (target.hostname !== '127.0.0.1') return Promise.reject(new Error(`refusing to send traffic to ${target.hostname}`));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method,
        path: `${target.pathname}${target.search}`,
        headers: body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${target.pathname} timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export function closeHttpAgent(): void {
  agent.destroy();
}
