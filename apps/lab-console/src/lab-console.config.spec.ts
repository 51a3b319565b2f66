import { ConfigError } from '@acme/config';
import { loadLabConsoleConfig } from './lab-console.config';

const stores = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/acme', MONGO_URL: 'mongodb://127.0.0.1:27017', MONGO_DB: 'acmetravel' };

describe('lab console configuration', () => {
  it('needs RabbitMQ and the two stores (read only); the port and the four apps default to the local stack', () => {
    expect(loadLabConsoleConfig({ ...stores, AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672' })).toMatchObject({
      LAB_CONSOLE_PORT: 3004,
      COMMAND_API_URL: 'http://127.0.0.1:3000',
      QUERY_API_URL: 'http://127.0.0.1:3001',
      EVENT_PROCESSOR_URL: 'http://127.0.0.1:3002',
      PROPOSAL_SUBSCRIBER_URL: 'http://127.0.0.1:3003',
    });
  });

  it('names each missing or malformed variable', () => {
    expect(() => loadLabConsoleConfig({ QUERY_API_URL: 'query-api:3001', LAB_CONSOLE_PORT: 'x' })).toThrow(ConfigError);
    try {
      loadLabConsoleConfig({ QUERY_API_URL: 'ftp://query-api', LAB_CONSOLE_PORT: '70000' });
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        'AMQP_URL: is required',
        'DATABASE_URL: is required',
        'MONGO_URL: is required',
        'MONGO_DB: is required',
        'LAB_CONSOLE_PORT: must be at most 65535',
        'QUERY_API_URL: must start with http:// or https://',
      ]);
    }
    expect.assertions(2);
  });

  it("follows the apps' ports when only those are set (.env), and an explicit URL wins (compose)", () => {
    const config = loadLabConsoleConfig({
      ...stores,
      AMQP_URL: 'amqp://rabbitmq',
      QUERY_API_PORT: '3101',
      EVENT_PROCESSOR_PORT: '3002',
      EVENT_PROCESSOR_URL: 'http://event-processor:3002',
      PROPOSAL_SUBSCRIBER_PORT: 'not a port', // that app reports it; the page keeps its default
    });
    expect(config).toMatchObject({
      COMMAND_API_URL: 'http://127.0.0.1:3000',
      QUERY_API_URL: 'http://127.0.0.1:3101',
      EVENT_PROCESSOR_URL: 'http://event-processor:3002',
      PROPOSAL_SUBSCRIBER_URL: 'http://127.0.0.1:3003',
    });
  });

  it('drops a trailing slash so paths can be appended (compose: http://query-api:3001/)', () => {
    expect(loadLabConsoleConfig({ ...stores, AMQP_URL: 'amqp://rabbitmq', QUERY_API_URL: 'http://query-api:3001/' }).QUERY_API_URL).toBe('http://query-api:3001');
  });

  it("adds further instances of the workers (Lab 5's ports by default; a list, or none), and names a bad one", () => {
    const base = { ...stores, AMQP_URL: 'amqp://rabbitmq' };
    expect(loadLabConsoleConfig(base)).toMatchObject({ MORE_EVENT_PROCESSOR_URLS: ['http://127.0.0.1:3012'], MORE_PROPOSAL_SUBSCRIBER_URLS: ['http://127.0.0.1:3013'] });
    expect(loadLabConsoleConfig({ ...base, MORE_PROPOSAL_SUBSCRIBER_URLS: 'http://a:1/, http://b:2', MORE_EVENT_PROCESSOR_URLS: '' })).toMatchObject({
      MORE_EVENT_PROCESSOR_URLS: [],
      MORE_PROPOSAL_SUBSCRIBER_URLS: ['http://a:1', 'http://b:2'],
    });
    expect(() => loadLabConsoleConfig({ ...base, MORE_PROPOSAL_SUBSCRIBER_URLS: 'localhost:3013' })).toThrow(/MORE_PROPOSAL_SUBSCRIBER_URLS: localhost:3013 is not an http:\/\/ URL/);
  });
});
