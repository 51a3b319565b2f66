import { repoRoot } from '@acme/testing';
import { expectedVerdict, parseGuide, parseStep, readGuide } from './guide';

describe('the lab guide as the e2e test reads it', () => {
  it('splits a line into the command and its comment, and reads the verdict a comment promises', () => {
    expect(parseStep('npm run lab -- status               # STUCK: MongoDB is unreachable')).toEqual({
      command: 'npm run lab -- status',
      comment: 'STUCK: MongoDB is unreachable',
      expects: { state: 'STUCK', why: 'MongoDB is unreachable' },
    });
    expect(parseStep('PROPOSAL_SUBSCRIBER_PORT=3013 node dist/apps/proposal-subscriber/src/main.js & SUB2=$!   # a second subscriber')).toMatchObject({
      command: 'PROPOSAL_SUBSCRIBER_PORT=3013 node dist/apps/proposal-subscriber/src/main.js & SUB2=$!',
      expects: undefined,
    });
    expect(expectedVerdict('IN SYNC after a few seconds')).toEqual({ state: 'IN SYNC', why: '' });
    expect(expectedVerdict('STUCK: RabbitMQ returned 3 event(s) as unroutable …')).toEqual({ state: 'STUCK', why: 'RabbitMQ returned 3 event(s) as unroutable' });
    expect(expectedVerdict('IN SYNC, all zeros, all four apps up')).toEqual({ state: 'IN SYNC', why: '' });
    expect(expectedVerdict('a few seconds later')).toBeUndefined();
  });

  it('refuses a bash block without a marker: every block is run by the e2e test or says why not', () => {
    expect(() => parseGuide('## Lab 9\n\n```bash\nnpm run lab -- status\n```\n')).toThrow(/docs\/labs\.md:3: a bash block without an <!-- e2e: … --> marker/);
    const [block] = parseGuide('<!-- e2e: 9 -->\n```bash\nnpm run lab -- load 1   # one\n# a comment line\n```\n\n**You should see:**\n\n```\nIN SYNC: yes\n```\n');
    expect(block).toMatchObject({ part: '9', steps: [{ command: 'npm run lab -- load 1' }], shows: ['IN SYNC: yes'] });
  });

  it('finds every block of docs/labs.md marked', () => {
    const blocks = readGuide(repoRoot);
    expect(blocks.length).toBeGreaterThanOrEqual(12);
    expect(blocks.filter((b) => b.part === undefined).every((b) => (b.notRun ?? '').length > 10)).toBe(true);
  });
});
