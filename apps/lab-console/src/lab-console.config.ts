import { amqpEnv, loadConfig, logEnv, port } from '@acme/config';
import { z } from 'zod';

const appUrl = (fallback: string) =>
  z
    .string()
    .url('must be a URL such as http://127.0.0.1:3000')
    .refine((value) => /^https?:$/.test(new URL(value).protocol), { message: 'must start with http:// or https://' })
    .transform((value) => value.replace(/\/+$/, ''))
    .default(fallback);

/**
 * The lab console reads the four apps over HTTP (health, metrics, the duplicate log) and RabbitMQ over
 * AMQP (queue depths, the DLQ). It has no database settings on purpose: it shows what the apps report.
 */
export const labConsoleSchema = z.object({
  ...amqpEnv,
  ...logEnv,
  LAB_CONSOLE_PORT: port(3004),
  COMMAND_API_URL: appUrl('http://127.0.0.1:3000'),
  QUERY_API_URL: appUrl('http://127.0.0.1:3001'),
  EVENT_PROCESSOR_URL: appUrl('http://127.0.0.1:3002'),
  PROPOSAL_SUBSCRIBER_URL: appUrl('http://127.0.0.1:3003'),
});

export type LabConsoleConfig = z.infer<typeof labConsoleSchema>;

export const loadLabConsoleConfig = (env: NodeJS.ProcessEnv = process.env): LabConsoleConfig => loadConfig(labConsoleSchema, env);
