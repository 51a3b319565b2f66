/** A dependency check for /health: resolves true when the dependency answers. */
export type HealthCheck = () => Promise<boolean>;

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, 'up' | 'down'>;
}

/** Runs every check with a short timeout; the app is healthy only when all are up. */
export async function runHealthChecks(checks: Record<string, HealthCheck>, timeoutMs = 1_500): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      const up = await Promise.race([
        check().catch(() => false),
        new Promise<boolean>((resolve) => setTimeout(resolve, timeoutMs, false).unref()),
      ]);
      return [name, up ? 'up' : 'down'] as const;
    }),
  );
  const report = Object.fromEntries(entries);
  return { status: Object.values(report).every((s) => s === 'up') ? 'ok' : 'unavailable', checks: report };
}
