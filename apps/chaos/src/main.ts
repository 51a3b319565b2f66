import { runChaos } from './chaos-run';

/** `npm run chaos [-- --quick]`: prove zero loss and zero duplicate effects under injected faults. */
async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const result = await runChaos({
    proposals: quick ? 150 : 800,
    concurrency: quick ? 6 : 12,
    outageScale: quick ? 0.6 : 1,
    serverRestarts: !process.argv.includes('--no-server-restarts'),
    log: (line) => console.log(line),
  });
  if (result.workloadErrors.length > 0) console.log(`sample 4xx answers:\n  ${result.workloadErrors.join('\n  ')}`);
  for (const line of result.findings.details) console.log(`  ${line}`);
  console.log(result.summary);
  process.exitCode = result.ok ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(`chaos: failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 2;
});
