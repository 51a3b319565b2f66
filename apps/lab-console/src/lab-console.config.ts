import { amqpEnv, httpEnv, loadConfig, logEnv, mongoEnv, port, postgresEnv } from '@acme/config';
import { z } from 'zod';

const appUrl = (fallback: string) =>
  z
    .string()
    .url('must be a URL such as http://127.0.0.1:3000')
    .refine((value) => /^https?:$/.test(new URL(value).protocol), { message: 'must start with http:// or https://' })
    .transform((value) => value.replace(/\/+$/, ''))
    .default(fallback);

/** More instances of a worker (Lab 5 runs a second relay and subscriber): comma-separated URLs, or none. */
const moreUrls = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const urls = value.split(',').map((u) => u.trim().replace(/\/+$/, '')).filter(Boolean);
      for (const url of urls) {
        if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
          ctx.addIssue({ code: 'custom', message: `${url} is not an http:// URL (give comma-separated URLs, or nothing)` });
        }
      }
      return urls;
    });

/**
 * The lab console reads the four apps over HTTP (health, metrics, the duplicate log), RabbitMQ over
 * AMQP (queue depths, the DLQ), and — read only, for what is true of the system now — the outbox in
 * PostgreSQL and the views and inbox in MongoDB, as `npm run lab -- status` does.
 */
export const labConsoleSchema = z.object({
  ...httpEnv,
  ...amqpEnv,
  DATABASE_URL: postgresEnv.DATABASE_URL,
  MONGO_URL: mongoEnv.MONGO_URL,
  MONGO_DB: mongoEnv.MONGO_DB,
  ...logEnv,
  LAB_CONSOLE_PORT: port(3004),
  COMMAND_API_URL: appUrl('http://127.0.0.1:3000'),
  QUERY_API_URL: appUrl('http://127.0.0.1:3001'),
  EVENT_PROCESSOR_URL: appUrl('http://127.0.0.1:3002'),
  PROPOSAL_SUBSCRIBER_URL: appUrl('http://127.0.0.1:3003'),
  /**
   * Further instances whose counters the page adds to the first one's (where Lab 5 starts them). One
   * that does not answer is simply not running; the verdict follows the first instance.
   */
  MORE_EVENT_PROCESSOR_URLS: moreUrls('http://127.0.0.1:3012'),
  MORE_PROPOSAL_SUBSCRIBER_URLS: moreUrls('http://127.0.0.1:3013'),
});

export type LabConsoleConfig = z.infer<typeof labConsoleSchema>;

/** Where each app is when only its port is set, as `npm start` runs them (all on this machine). */
const LOCAL_APPS = [
  ['COMMAND_API_URL', 'COMMAND_API_PORT'],
  ['QUERY_API_URL', 'QUERY_API_PORT'],
  ['EVENT_PROCESSOR_URL', 'EVENT_PROCESSOR_PORT'],
  ['PROPOSAL_SUBSCRIBER_URL', 'PROPOSAL_SUBSCRIBER_PORT'],
] as const;

/**
 * Validates the environment. An app's URL not given but its port given (`.env` moved query-api to
 * 3101) means that app runs locally on that port, so the page follows the same settings as the apps.
 */
export function loadLabConsoleConfig(env: NodeJS.ProcessEnv = process.env): LabConsoleConfig {
  const withLocalUrls = { ...env };
  for (const [urlVariable, portVariable] of LOCAL_APPS) {
    const localPort = env[portVariable];
    if (!env[urlVariable] && localPort && /^\d{1,5}$/.test(localPort)) withLocalUrls[urlVariable] = `http://127.0.0.1:${localPort}`;
  }
  return loadConfig(labConsoleSchema, withLocalUrls);
}
