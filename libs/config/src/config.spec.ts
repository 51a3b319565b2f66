import { ConfigError, commandApiSchema, loadConfig, queryApiSchema } from './config';

/** Everything command-api needs and nothing more; each test breaks or drops one variable. */
const fullEnv = (): NodeJS.ProcessEnv => ({
  DATABASE_URL: 'postgres://acme@127.0.0.1:5432/acme',
  AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
});

/** Loads `env`, expects a ConfigError and returns it for the `then` assertions. */
function configErrorFrom(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(commandApiSchema, env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but the configuration was accepted');
}

describe('loadConfig(commandApiSchema)', () => {
  it('loads a complete environment and applies the defaults (port 3000, PUBLISH_MODE outbox)', () => {
    // given
    const env = fullEnv();

    // when
    const config = loadConfig(commandApiSchema, env);

    // then
    expect(config).toMatchObject({
      DATABASE_URL: 'postgres://acme@127.0.0.1:5432/acme',
      AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672',
      COMMAND_API_PORT: 3000,
      PUBLISH_MODE: 'outbox',
      LOG_LEVEL: 'info',
      PG_POOL_SIZE: 10,
    });
  });

  it('reads numbers from their string form and honours explicit values', () => {
    // given
    const env = { ...fullEnv(), COMMAND_API_PORT: '8080', PUBLISH_MODE: 'direct' };

    // when
    const config = loadConfig(commandApiSchema, env);

    // then
    expect(config.COMMAND_API_PORT).toBe(8080);
    expect(config.PUBLISH_MODE).toBe('direct');
  });

  it('ignores unrelated variables in the environment', () => {
    // given
    const env = { ...fullEnv(), PATH: '/usr/bin', HOME: '/root' };

    // when
    const config = loadConfig(commandApiSchema, env);

    // then
    expect(config).not.toHaveProperty('PATH');
  });

  it('fails fast with a ConfigError naming DATABASE_URL when it is missing', () => {
    // given
    const { DATABASE_URL: _missing, ...env } = fullEnv();

    // when
    const error = configErrorFrom(env);

    // then
    expect(error.message).toContain('DATABASE_URL');
    expect(error.problems).toEqual(['DATABASE_URL: is required']);
  });

  it('refuses an empty DATABASE_URL and names it', () => {
    // given
    const env = { ...fullEnv(), DATABASE_URL: '' };

    // when
    const error = configErrorFrom(env);

    // then
    expect(error.message).toContain('DATABASE_URL');
  });

  it('refuses an AMQP_URL with the wrong protocol (http://x) and names it', () => {
    // given
    const env = { ...fullEnv(), AMQP_URL: 'http://x' };

    // when
    const error = configErrorFrom(env);

    // then
    expect(error.message).toContain('AMQP_URL');
    expect(error.problems).toEqual([expect.stringMatching(/^AMQP_URL: must be a URL starting with amqp:\/\//)]);
  });

  it('refuses a port that is not a number ("abc") and names COMMAND_API_PORT', () => {
    // given
    const env = { ...fullEnv(), COMMAND_API_PORT: 'abc' };

    // when
    const error = configErrorFrom(env);

    // then
    expect(error.message).toContain('COMMAND_API_PORT');
    expect(error.problems).toEqual(['COMMAND_API_PORT: must be a number']);
  });

  it.each(['0', '65536', '80.5'])('refuses an out-of-range or fractional port (%p) and names COMMAND_API_PORT', (value) => {
    // given
    const env = { ...fullEnv(), COMMAND_API_PORT: value };

    // when
    const error = configErrorFrom(env);

    // then
    expect(error.message).toContain('COMMAND_API_PORT');
  });

  it('refuses PUBLISH_MODE=sideways (only outbox or direct) and names PUBLISH_MODE', () => {
    // given
    const env = { ...fullEnv(), PUBLISH_MODE: 'sideways' };

    // when
    const error = configErrorFrom(env);

    // then
    expect(error.message).toContain('PUBLISH_MODE');
    expect(error.problems).toHaveLength(1);
  });

  it('reports every bad variable at once, not just the first', () => {
    // given
    const env = { AMQP_URL: 'http://x', COMMAND_API_PORT: 'abc' };

    // when
    const error = configErrorFrom(env);

    // then
    expect(error.problems.map((p) => p.split(':')[0]).sort()).toEqual(['AMQP_URL', 'COMMAND_API_PORT', 'DATABASE_URL']);
  });
});

describe('loadConfig(queryApiSchema): AMQP_URL is optional', () => {
  const mongo = { MONGO_URL: 'mongodb://127.0.0.1:27017', MONGO_DB: 'acmetravel' };

  it('runs without AMQP_URL, unset or empty (then ?minVersion reads poll)', () => {
    expect(loadConfig(queryApiSchema, mongo).AMQP_URL).toBeUndefined();
    expect(loadConfig(queryApiSchema, { ...mongo, AMQP_URL: '' }).AMQP_URL).toBeUndefined();
  });

  it('takes an amqp:// URL for projection notices, and still refuses a malformed one by name', () => {
    expect(loadConfig(queryApiSchema, { ...mongo, AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672' }).AMQP_URL).toBe('amqp://guest:guest@127.0.0.1:5672');
    expect(() => loadConfig(queryApiSchema, { ...mongo, AMQP_URL: 'http://x' })).toThrow(/AMQP_URL: must be a URL starting with amqp:\/\//);
  });
});
