import { Gauge } from 'prom-client';
import { meter } from './context';

export interface GaugeReading {
  value: number;
  labels?: Record<string, string>;
}

/**
 * A gauge read when it is scraped, exported both ways from one reader: Prometheus (`name` on /metrics)
 * and OpenTelemetry (the same name with dots, e.g. `acme.outbox.backlog`, while the SDK runs).
 * A failing read leaves the gauge out of that scrape rather than reporting a made-up value.
 */
export function observedGauge(options: { name: string; help: string; labelNames?: string[]; read: () => Promise<GaugeReading[]> }): void {
  const { name, help, read } = options;
  new Gauge({
    name,
    help,
    labelNames: options.labelNames ?? [],
    async collect() {
      for (const reading of await read()) this.set(reading.labels ?? {}, reading.value);
    },
  });
  meter()
    .createObservableGauge(name.replace(/_/g, '.'), { description: help })
    .addCallback(async (result) => {
      for (const reading of await read().catch(() => [])) result.observe(reading.value, reading.labels);
    });
}
