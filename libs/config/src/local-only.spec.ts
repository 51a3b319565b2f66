import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandApiSchema, loadConfig } from './config';

const root = join(__dirname, '..', '..', '..');

describe('local means local', () => {
  it('binds the apps to 127.0.0.1 unless HOST says otherwise, and refuses a HOST that is not a host', () => {
    const env = { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/acme', AMQP_URL: 'amqp://guest:guest@127.0.0.1:5672' };
    expect(loadConfig(commandApiSchema, env).HOST).toBe('127.0.0.1');
    expect(loadConfig(commandApiSchema, { ...env, HOST: '0.0.0.0' }).HOST).toBe('0.0.0.0');
    expect(() => loadConfig(commandApiSchema, { ...env, HOST: 'http://example.com/' })).toThrow(/HOST/);
  });

  it('publishes every docker-compose port on 127.0.0.1 only, and lets the apps listen on all interfaces inside', () => {
    const compose = readFileSync(join(root, 'docker-compose.yml'), 'utf8').split('\n');
    const mappings: string[] = [];
    compose.forEach((line, i) => {
      if (!/^\s+ports:\s*$/.test(line)) return;
      for (let j = i + 1; j < compose.length && /^\s+- /.test(compose[j] ?? ''); j++) mappings.push(/- "([^"]+)"/.exec(compose[j] ?? '')?.[1] ?? String(compose[j]));
    });
    expect(mappings.length).toBeGreaterThanOrEqual(10);
    expect(mappings.filter((m) => !m.startsWith('127.0.0.1:'))).toEqual([]);
    expect(compose.filter((line) => /^\s+HOST: 0\.0\.0\.0/.test(line)).length).toBe(2); // the four apps' shared env, the lab console
  });
});
