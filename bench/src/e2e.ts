import type { Pipeline } from './apps';
import { CpuMeter, formatCpu, type CpuReport } from './cpu';
import { httpRequest } from './http-client';
import { proposalBody } from './load';
import type { BenchSettings } from './settings';
import { fmt, now, percentile, round, say, sleep } from './util';

export interface E2eResult {
  ratePerSecond: number;
  samples: number;
  failures: number;
  failureReasons: Record<string, number>;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  postP50Ms: number | null;
  postP99Ms: number | null;
  /** GETs that came back 503 (the view did not reach the version within MIN_VERSION_WAIT_MS) and were retried. */
  notCaughtUp: number;
  /** How late the open-loop scheduler sent requests (event-loop lag in the load generator). */
  scheduleLagP99Ms: number | null;
  seconds: number;
  cpu: CpuReport;
}

const MAX_READ_ATTEMPTS = 5;

/**
 * Write-to-read-visible latency, open loop: requests are sent on a fixed schedule at `rate`/s whatever
 * the responses do. Each sample is POST /proposals → GET /proposals/:id?minVersion=1 (query-api waits
 * server-side until the view has version 1), measured from sending the POST to the GET's 200.
 */
export async function e2eBench(settings: BenchSettings, pipeline: Pipeline, customerIds: number[], rate: number): Promise<E2eResult> {
  const count = Math.round(Math.min(settings.e2eMaxSamples, Math.max(settings.e2eMinSamples, rate * settings.e2eDurationS)));
  const intervalMs = 1000 / rate;
  say(`e2e: ${fmt(count)} proposals at ${fmt(rate, 1)}/s open loop (${settings.e2eRate === null ? 'half of post_rps' : '--e2e-rate'}), POST → GET ?minVersion=1`);

  const latencies: number[] = [];
  const postLatencies: number[] = [];
  const lags: number[] = [];
  const failureReasons: Record<string, number> = {};
  let notCaughtUp = 0;
  const fail = (reason: string) => {
    // Grouped by kind: ids and numbers are masked so that the reasons stay a short list.
    const kind = reason.replace(/\d+/g, 'N').slice(0, 100);
    failureReasons[kind] = (failureReasons[kind] ?? 0) + 1;
  };

  const one = async (i: number, scheduledAt: number): Promise<void> => {
    const sentAt = now();
    lags.push(sentAt - scheduledAt);
    try {
      const created = await httpRequest('POST', `${pipeline.commandApi.url}/proposals`, proposalBody(customerIds[i % customerIds.length] ?? 1));
      if (created.status !== 201) return void fail(`POST ${created.status}`);
      postLatencies.push(now() - sentAt);
      const { proposalId } = JSON.parse(created.body) as { proposalId: number };
      for (let attempt = 1; attempt <= MAX_READ_ATTEMPTS; attempt++) {
        const read = await httpRequest('GET', `${pipeline.queryApi.url}/proposals/${proposalId}?minVersion=1`);
        if (read.status === 200) return void latencies.push(now() - sentAt);
        if (read.status !== 503) return void fail(`GET ${read.status}`);
        notCaughtUp++;
      }
      fail(`not visible after ${MAX_READ_ATTEMPTS} waits`);
    } catch (error) {
      fail((error as Error).message);
    }
  };

  const cpu = new CpuMeter();
  const start = now();
  const inFlight: Promise<void>[] = [];
  let lastSay = start;
  for (let i = 0; i < count; i++) {
    const scheduledAt = start + i * intervalMs;
    const wait = scheduledAt - now();
    if (wait > 1) await sleep(wait);
    inFlight.push(one(i, scheduledAt));
    if (now() - lastSay >= 1_000) {
      lastSay = now();
      say(`  e2e: ${fmt(i + 1)}/${fmt(count)} sent, ${fmt(latencies.length)} visible`);
    }
  }
  // Bounded: samples still waiting after that count as failures ("not visible in time").
  const all = Promise.all(inFlight).then(() => true);
  const finishedInTime = await Promise.race([all, sleep(settings.drainBoundS * 1000).then(() => false)]);
  const seconds = (now() - start) / 1000;
  if (!finishedInTime) {
    const pending = count - latencies.length - Object.values(failureReasons).reduce((a, b) => a + b, 0);
    if (pending > 0) failureReasons[`not visible within ${settings.drainBoundS} s of the last send`] = pending;
  }
  const report = cpu.stop();

  const sorted = [...latencies].sort((a, b) => a - b);
  const postSorted = [...postLatencies].sort((a, b) => a - b);
  const lagSorted = [...lags].sort((a, b) => a - b);
  const failures = Object.values(failureReasons).reduce((a, b) => a + b, 0);
  const result: E2eResult = {
    ratePerSecond: rate,
    samples: sorted.length,
    failures,
    failureReasons,
    p50Ms: round(percentile(sorted, 50)),
    p90Ms: round(percentile(sorted, 90)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted.at(-1) ?? null),
    postP50Ms: round(percentile(postSorted, 50)),
    postP99Ms: round(percentile(postSorted, 99)),
    notCaughtUp,
    scheduleLagP99Ms: round(percentile(lagSorted, 99)),
    seconds,
    cpu: report,
  };
  say(
    `e2e: p50 ${fmt(result.p50Ms, 1)} ms, p90 ${fmt(result.p90Ms, 1)} ms, p99 ${fmt(result.p99Ms, 1)} ms, max ${fmt(result.maxMs, 1)} ms ` +
      `over ${fmt(result.samples)} samples (POST alone p50 ${fmt(result.postP50Ms, 1)} / p99 ${fmt(result.postP99Ms, 1)} ms; ` +
      `${failures} failed, ${notCaughtUp} GETs 503; scheduler lag p99 ${fmt(result.scheduleLagP99Ms, 1)} ms) — ${formatCpu(report)}`,
  );
  return result;
}
