// Imported first by main.ts: OpenTelemetry must patch http, pg and mongodb before they are loaded.
import { startTelemetry } from '@acme/telemetry';

startTelemetry('proposal-subscriber');
