import { TOPOLOGY } from '@acme/contracts';
import { discardDeadLetters } from '@acme/messaging';
import { http, LabConsoleProcess, repoRoot, TestPipeline, waitFor } from '@acme/testing';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Snapshot } from './pipeline/snapshot';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOTS = join(repoRoot, 'test-results');
const rabbitmqctl = (...args: string[]) => promisify(execFile)('rabbitmqctl', ['-q', ...args], { timeout: 60_000 });

describe('lab console: the live pipeline page', () => {
  let pipeline: TestPipeline;
  let labConsole: LabConsoleProcess;

  const snapshot = async (): Promise<Snapshot> => (await http('GET', `${labConsole.url}/api/snapshot`)).body as Snapshot;

  beforeAll(async () => {
    pipeline = await TestPipeline.start();
    labConsole = await LabConsoleProcess.start(pipeline);
  });

  afterAll(async () => {
    await labConsole?.stop();
    await pipeline?.stop();
  });

  describe('over HTTP', () => {
    it('reports every stage of an idle pipeline from the apps and RabbitMQ: all up, empty, in sync', async () => {
      const s = await waitFor(async () => {
        const current = await snapshot();
        return current.rabbit.consumers === 1 && current.history.length >= 2 && current;
      }, 'a snapshot with the subscriber consuming');

      expect(s.verdict).toEqual({ state: 'in sync', why: expect.any(String) });
      for (const app of Object.values(s.apps)) expect(app).toMatchObject({ health: 'up', failing: [], metrics: true });
      expect(s.rabbit).toEqual({ reachable: true, work: 0, retry: 0, dlq: 0, consumers: 1 });
      expect(s.write).toMatchObject({ stored: 0, storedRate: 0 });
      expect(s.outbox).toMatchObject({ backlog: 0, published: 0 });
      expect(s.read).toMatchObject({ projected: 0, duplicates: 0, deadLettered: 0 });
      expect(s.duplicateLog).toEqual({ reachable: true, items: [] });
      expect(s.system).toEqual({ proposals: 0, outboxWaiting: 0, outboxPublished: 0, outboxParked: 0, outboxUnroutable: 0, views: 0, inboxEvents: 0, duplicateEvents: 0 });
      expect(s.deadLetters).toEqual({ reachable: true, items: [] });
    });

    it('serves the page with its inline script allowed by hash and nothing else', async () => {
      const res = await fetch(labConsole.url);
      const html = await res.text();

      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.headers.get('content-security-policy')).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
      expect(html).toContain('<script>');
      expect(html).not.toMatch(/<script[^>]+src=|https?:\/\/(?!www\.w3\.org)/); // no CDN: the classroom may be offline
    });

    it.each([
      ['create-proposal', { customerId: 0, packageId: 'not a package!', pax: [] }, ['customerId', 'packageId', 'pax']],
      ['create-proposal', { customerId: 1, packageId: 'X', pax: [{ firstName: ' ', lastName: 'Doe', age: 200 }] }, ['pax[0].firstName', 'pax[0].age']],
      ['replay', {}, ['eventId', 'last']],
      ['replay', { eventId: 1, last: 2 }, ['eventId']],
      ['replay', { eventId: 'seven' }, ['eventId']],
      ['poison', { kind: 'nuclear' }, ['kind']],
      ['poison', { kind: 'schema', extra: true }, ['extra']],
    ])('rejects bad input to %s with a field-level problem and does nothing: %j', async (action, body, fields) => {
      const res = await http('POST', `${labConsole.url}/api/actions/${action}`, body);

      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe('VALIDATION.FAILED');
      expect((res.body.errors as { field: string }[]).map((e) => e.field)).toEqual(expect.arrayContaining(fields));
    });

    it("passes the command API's own refusal through with its code", async () => {
      const traveller = { firstName: 'Ana', lastName: 'Lima', age: 30 };
      const res = await http('POST', `${labConsole.url}/api/actions/create-proposal`, {
        customerId: 1,
        packageId: 'BAHAMA5NIGHT@COCOCLUB',
        pax: [traveller, traveller],
      });

      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe('PROPOSAL.DUPLICATE_TRAVELLER');
      expect(res.body.detail).toMatch(/^command-api: /);
    });
  });

  // The browser part needs Debian's chromium (apt-get install chromium).
  const inBrowser = existsSync(CHROMIUM) ? describe : describe.skip;
  inBrowser('in a real browser', () => {
    let browser: Browser;
    let page: Page;
    const pageErrors: string[] = [];

    const text = async (selector: string) => ((await page.locator(selector).first().textContent()) ?? '').trim();
    const count = async (selector: string) => Number((await text(selector)).replace(/,/g, ''));
    const until = (probe: () => Promise<unknown>, what: string, timeoutMs = 20_000) =>
      waitFor(async () => Boolean(await probe()), what, timeoutMs, 100);
    const screenshot = async (name: string) => {
      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, name), fullPage: true });
    };

    beforeAll(async () => {
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') pageErrors.push(message.text()); // a CSP violation shows up here
      });
      await page.goto(labConsole.url);
      await until(async () => (await text('#verdict-state')) === 'IN SYNC', 'the page to show IN SYNC');
    });

    afterAll(async () => {
      await browser?.close();
    });

    it('shows every stage with its app healthy and the pipeline in sync', async () => {
      expect(await page.locator('[data-app].up').count()).toBe(4);
      expect(await text('#rabbit-status')).toBe('broker');
      expect(await text('#verdict-why')).toBe('every stored event has been projected');
      expect(await text('#outbox-backlog')).toBe('0');
      expect(await text('#rabbit-dlq')).toBe('0');
    });

    let created: { proposalId: number; outboxEventId: number };

    it('creates a proposal from the form; the read side projects it and the page counts it', async () => {
      const projectedBefore = await count('#read-projected');

      // Given the form filled in for customer 2 with two travellers
      await page.selectOption('#create-customer', '2');
      await page.fill('#create-package', 'MALDIVES7NIGHT@REEF');
      await page.click('#add-traveller');
      const travellers = page.locator('#travellers .pax');
      await travellers.nth(0).locator('input[name=firstName]').fill('Zoë');
      await travellers.nth(0).locator('input[name=lastName]').fill("O'Brien");
      await travellers.nth(0).locator('input[name=age]').fill('34');
      await travellers.nth(1).locator('input[name=firstName]').fill('Jean-Luc');
      await travellers.nth(1).locator('input[name=lastName]').fill('Ó Súilleabháin');
      await travellers.nth(1).locator('input[name=age]').fill('7');

      // When it is submitted
      await page.click('#create-submit');

      // Then the result names the proposal and its outbox event, and the read side counts one more
      await until(async () => /outbox event id \d+/.test(await text('#create-result')), 'the create result');
      const match = /proposal #(\d+) .*outbox event id (\d+)/.exec(await text('#create-result'));
      created = { proposalId: Number(match?.[1]), outboxEventId: Number(match?.[2]) };
      await until(async () => (await count('#read-projected')) === projectedBefore + 1, 'the projected count to go up by one');
      expect(await count('#write-stored')).toBeGreaterThanOrEqual(1);

      const view = await http('GET', `${pipeline.queryApi.url}/proposals/${created.proposalId}?minVersion=1`);
      expect(view.body).toMatchObject({ customer: { customerId: 2 }, packageId: 'MALDIVES7NIGHT@REEF' });
      expect(view.body.pax).toHaveLength(2);
    });

    it('replays that event by its outbox id; the duplicate appears in the duplicate log, the view is unchanged', async () => {
      // The create filled in the replay box with its outbox event id
      expect(await page.inputValue('#replay-event-id')).toBe(String(created.outboxEventId));

      await page.click('#replay-submit');

      const row = page.locator('#duplicates-body tr', { hasText: `#${created.proposalId}` });
      await until(async () => (await row.count()) === 1, 'the duplicate in the duplicate log');
      expect(await row.locator('td').nth(3).textContent()).toBe('+1');
      expect(await text('#action-log li')).toContain(`replayed outbox event(s) ${created.outboxEventId}`);
      await until(async () => (await count('#read-duplicates')) === 1, 'the duplicate counter');
      expect((await http('GET', `${pipeline.queryApi.url}/proposals/${created.proposalId}`)).body.version).toBe(1);
    });

    it('shows a RabbitMQ outage: the verdict says why, events wait in the outbox, then drain after recovery', async () => {
      // A private outage: this test's vhost refuses connections; the shared broker keeps serving the others.
      const vhost = pipeline.vhost.name;
      await rabbitmqctl('clear_permissions', '-p', vhost, 'guest');
      try {
        await rabbitmqctl('close_all_connections', '-p', vhost, '--limit', '1000', 'lab: RabbitMQ outage');
        await until(async () => (await text('#verdict-why')).startsWith('RabbitMQ is unreachable'), 'the outage on the page');
        expect(await text('#rabbit-work')).toBe('n/a');

        await page.click('#create-submit'); // the form still holds the last proposal
        await until(async () => (await count('#outbox-backlog')) === 1, 'one event waiting in the outbox');
        await until(async () => (await text('#verdict-why')) === 'RabbitMQ is unreachable; 1 event(s) wait safely in the outbox', 'the verdict');
        expect(await text('#verdict-state')).toBe('STUCK');
        await page.waitForTimeout(1_500); // a few seconds of backlog on the chart
        await screenshot('lab-console-rabbit-down.png');
      } finally {
        await rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
      }
      await until(async () => (await text('#verdict-state')) === 'IN SYNC', 'IN SYNC after recovery', 60_000);
      // (the relay's gauge is read at most once a second: it follows the stores a moment later)
      await until(async () => (await count('#outbox-backlog')) === 0, 'the relay reporting an empty backlog');
      await page.waitForTimeout(1_500);
      await screenshot('lab-console-recovered.png');
    });

    it('sends poison; the DLQ lists it with its reason and the verdict says the DLQ holds a message', async () => {
      await page.selectOption('#poison-kind', 'schema');
      await page.click('#poison-submit');

      const item = page.locator('#dlq-list .dlq-item');
      await until(async () => (await item.count()) === 1, 'the poison in the DLQ list');
      expect(await item.locator('.reason').textContent()).toContain('contract violation');
      expect(await item.getAttribute('data-message-id')).toMatch(/^poison-/);
      await until(async () => (await text('#verdict-why')).includes('1 message(s) in the DLQ'), 'the DLQ verdict');
      expect(await text('#rabbit-dlq')).toBe('1');
      await until(async () => (await count('#read-dead')) === 1, 'the dead-letter counter');

      // Redriven poison is judged again and comes straight back
      await page.click('#redrive');
      await until(async () => (await text('#action-log li')).includes('redrove 1 dead letter(s)'), 'the redrive result');
      await until(async () => (await count('#read-dead')) === 2, 'the poison dead-lettered again');
      await until(async () => (await item.count()) === 1, 'the poison back in the DLQ');

      await screenshot('lab-console.png');
      expect(pageErrors).toEqual([]);
    });

    it('keeps working when an app is down: that stage says so, the rest keeps updating', async () => {
      await pipeline.queryApi.kill();
      try {
        await until(async () => (await text('#duplicates-empty')).includes('query API is not answering'), 'the duplicate log marked n/a');
        // Health and the duplicate log are read at the same time: one sample can see the app answer one and not the other
        await until(async () => (await page.locator('[data-app="query-api"].unreachable').count()) === 1, 'the query API marked not running');
        const s = await snapshot();
        expect(s.apps['query-api'].health).toBe('unreachable');
        expect(s.duplicateLog.reachable).toBe(false);
        expect(s.read.projected).toBeGreaterThanOrEqual(2); // the subscriber still reports
      } finally {
        await pipeline.queryApi.restart();
      }
      await until(async () => (await page.locator('#duplicates-body tr').count()) === 1, 'the duplicate log back');
    });
  });

  describe('what the relay holds back', () => {
    beforeAll(async () => {
      // The browser part leaves its poison in the DLQ: discarded, so that "in sync" can be reached.
      const connection = await pipeline.vhost.connect();
      await discardDeadLetters(connection, { all: true });
      await connection.close();
    });

    const createProposal = () =>
      http('POST', `${labConsole.url}/api/actions/create-proposal`, {
        customerId: 1,
        packageId: 'BAHAMA5NIGHT@COCOCLUB',
        pax: [{ firstName: 'Uma', lastName: 'Routable', age: 33 }],
      });
    /**
     * The first snapshot whose verdict matches and that `also` holds for. The page reads the apps and
     * the stores at the same time, so one sample may catch a change in one source and not yet the other.
     */
    const verdictMatching = (pattern: RegExp, what: string, also: (s: Snapshot) => boolean = () => true) =>
      waitFor(async () => {
        const s = await snapshot();
        return pattern.test(s.verdict.why) && also(s) && s;
      }, what, 20_000, 200);

    it('says events are unroutable while no queue is bound, never "catching up", and in sync once bound again (Lab 6)', async () => {
      const admin = await pipeline.vhost.connect();
      const ops = await admin.createChannel();
      try {
        await ops.unbindQueue(TOPOLOGY.workQueue, TOPOLOGY.exchange, TOPOLOGY.workBinding);
        expect((await createProposal()).status).toBe(201);

        const s = await verdictMatching(/unroutable/, 'the verdict to name the unroutable events');
        expect(s.verdict).toEqual({ state: 'stuck', why: expect.stringMatching(/^RabbitMQ returned 1 event\(s\) as unroutable: no queue is bound to acme\.sales\.topic/) });
        expect(s.system.outboxUnroutable).toBe(1);
        expect(s.apps['event-processor']).toMatchObject({ health: 'down', state: 'unroutable', reason: expect.stringMatching(/unroutable/) });
        expect(s.system.outboxWaiting).toBeGreaterThanOrEqual(1);
      } finally {
        await ops.bindQueue(TOPOLOGY.workQueue, TOPOLOGY.exchange, TOPOLOGY.workBinding);
        await admin.close();
      }
      const after = await waitFor(async () => {
        const s = await snapshot();
        return s.verdict.state === 'in sync' && s;
      }, 'in sync once the queue is bound again', 30_000, 200);
      expect(after.apps['event-processor']).toMatchObject({ health: 'up', state: 'publishing', stuck: false });
      expect(after.system.outboxWaiting).toBe(0);
    });

    it('counts a parked outbox row and says how to list and redrive it; the events behind it flow on (Lab 7)', async () => {
      const [bad] = await pipeline.db.query<{ event_id: string }>(
        `INSERT INTO proposalevents (proposal_id, event_guid, event_type, aggregate_version, payload)
         VALUES (1, gen_random_uuid(), 'proposal.created', 1, '{"hand":"written"}') RETURNING event_id`,
      );
      try {
        expect((await createProposal()).status).toBe(201);
        const s = await verdictMatching(/parked/, 'the verdict and the relay to name the parked row', (x) => x.outbox.parked === 1);
        expect(s.outbox).toMatchObject({ parked: 1, backlog: 0 });
        expect(s.verdict).toEqual({ state: 'stuck', why: expect.stringMatching(/^1 outbox row\(s\) parked: .*npm run lab -- outbox redrive --all/) });
        expect(s.system).toMatchObject({ outboxParked: 1, outboxWaiting: 0 });
        expect(s.rabbit).toMatchObject({ work: 0, dlq: 0 });
      } finally {
        await pipeline.db.query('DELETE FROM proposalevents WHERE event_id = $1', [bad?.event_id]);
      }
      await waitFor(async () => (await snapshot()).verdict.state === 'in sync', 'in sync once the parked row is gone', 20_000, 200);
    });
  });
});
