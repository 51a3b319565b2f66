import { TOPOLOGY } from '@acme/contracts';
import { rebuildViews } from '@acme/read-model';
import { SingleBar, Presets } from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createInterface } from 'node:readline/promises';
import pc from 'picocolors';
import { discardDeadLetters, listDeadLetters, POISON_KINDS, publishPoison, redriveDeadLetters, type PoisonKind } from '@acme/messaging';
import { load } from './commands/load';
import { currentMode, switchMode } from './commands/mode';
import { insertMalformedRow, parkedRows, redriveParked, replay } from './commands/outbox';
import { reset } from './commands/reset';
import { collectStatus, printStatus } from './commands/status';
import { StatusProgress } from './commands/status-progress';
import { LabContext } from './lab-context';
import { control, settle, type Target } from './runtime';
import { setTimeout as sleep } from 'node:timers/promises';

/** `npm run lab -- <command>`: the course's labs, one command each. */
const program = new Command('lab')
  .description('ACME Proposals lab console: watch the pipeline, inject faults, replay, inspect the DLQ')
  .showHelpAfterError();

const positiveInt = (value: string): number => {
  if (!/^[1-9]\d{0,6}$/.test(value)) throw new InvalidArgumentError('must be a positive whole number');
  return Number(value);
};

const nonNegativeInt = (value: string): number => {
  if (!/^(0|[1-9]\d{0,2})$/.test(value)) throw new InvalidArgumentError('must be a whole number from 0 to 999');
  return Number(value);
};

/** Every command gets a fresh context and closes it, and failures print one red line and exit 1. */
function action<A extends unknown[]>(fn: (lab: LabContext, ...args: A) => Promise<void>) {
  return async (...args: A) => {
    let lab: LabContext | undefined;
    try {
      lab = new LabContext();
      await fn(lab, ...args);
    } catch (error) {
      console.error(pc.red(`lab: ${error instanceof Error ? error.message : String(error)}`));
      process.exitCode = 1;
    } finally {
      await lab?.close();
    }
  };
}

program
  .command('status')
  .description('one table of the whole pipeline, with a verdict: in sync / catching up / stuck and why')
  .option('--json', 'print the figures as JSON')
  .option('--watch', 'refresh every second until Ctrl-C')
  .action(
    action(async (lab, options: { json?: boolean; watch?: boolean }) => {
      for (;;) {
        const progress = new StatusProgress(options.json ? { write: () => true } : process.stderr);
        const status = await collectStatus(lab, progress.track).finally(() => progress.stop());
        if (options.json) console.log(JSON.stringify(status, null, 2));
        else {
          if (options.watch) console.clear();
          printStatus(status);
        }
        if (!options.watch) break;
        await sleep(1_000);
      }
    }),
  );

program
  .command('reset')
  .description('empty the outbox (and proposals with --proposals), drop the read-side collections, purge the queues')
  .option('--proposals', 'also delete every proposal on the write side')
  .option('--topology', 'delete the queues instead of purging them (to apply a new QUEUE_MESSAGE_TTL_MS or RETRY_DELAY_MS)')
  .option('-y, --yes', 'do not ask for confirmation')
  .action(
    action(async (lab, options: { proposals?: boolean; topology?: boolean; yes?: boolean }) => {
      const what = options.proposals ? 'ALL proposals, the outbox, the read side and the queues' : 'the outbox, the read side and the queues';
      if (!options.yes) {
        if (!process.stdin.isTTY) throw new Error('refusing to reset without confirmation: add --yes');
        const rl = createInterface({ input: process.stdin, output: process.stdout });
        const answer = await rl.question(`This deletes ${what}. Continue? [y/N] `);
        rl.close();
        if (!/^y(es)?$/i.test(answer.trim())) return console.log('nothing changed');
      }
      for (const line of await reset(lab, { proposals: Boolean(options.proposals), topology: Boolean(options.topology) })) console.log(`${pc.green('✓')} ${line}`);
    }),
  );

const faults: [Target, string][] = [
  ['rabbit', 'RabbitMQ (rabbitmqctl stop_app/start_app locally; the compose service under Docker)'],
  ['processor', 'the event processor (under `npm run up` or compose)'],
  ['subscriber', 'the proposal subscriber (under `npm run up` or compose)'],
  ['mongo', 'MongoDB (the FerretDB this project started, or the compose service)'],
];
for (const [target, description] of faults) {
  program
    .command(`${target}`)
    .description(`fault injection: stop or start ${description}`)
    .addArgument(new Command().createArgument('<action>', 'stop or start').choices(['stop', 'start']))
    .action(
      action(async (lab, act: 'stop' | 'start') => {
        const done = await control(target, act, lab.config);
        const caveat = await settle(target, act, lab);
        console.log(`${pc.green('✓')} ${done}${caveat ? ` (${pc.yellow(caveat)})` : ''} — watch it with \`npm run lab -- status\``);
      }),
    );
}

program
  .command('replay')
  .description('mark events unprocessed so the relay publishes them again (the duplicate lab)')
  .argument('[eventId]', 'outbox event_id (number) or event guid (uuid)')
  .option('--last <n>', 'the last N processed events', positiveInt)
  .action(
    action(async (lab, eventId: string | undefined, options: { last?: number }) => {
      if (!eventId && options.last === undefined) throw new Error('give an event id or --last N');
      const ids = await replay(lab, { eventId, last: options.last });
      if (ids.length === 0) throw new Error('no such processed event');
      console.log(`${pc.green('✓')} marked unprocessed: event_id ${ids.join(', ')} — they will be published again; see GET /duplicates`);
    }),
  );

const outbox = program.command('outbox').description('outbox rows the relay parked: list them, re-drive them after a fix');
outbox
  .command('parked')
  .description('rows set aside by the relay (malformed, or failing RELAY_MAX_ATTEMPTS times), with the reason')
  .option('--limit <n>', 'at most this many', positiveInt, 100)
  .action(
    action(async (lab, options: { limit: number }) => {
      const rows = await parkedRows(lab, options.limit);
      if (rows.length === 0) return console.log('no parked outbox rows');
      for (const r of rows) {
        console.log(
          `event_id ${r.eventId}  proposal ${r.proposalId} v${r.version} ${r.eventType}  attempts ${r.attempts}  parked ${r.parkedAt.toISOString()}\n  ${pc.yellow(r.reason ?? '(no reason)')}`,
        );
      }
    }),
  );
outbox
  .command('poison')
  .description('write a malformed row into the outbox by hand (payload {"hand":"written"}): the relay parks it, the rest flows')
  .action(
    action(async (lab) => {
      const id = await insertMalformedRow(lab);
      console.log(`${pc.green('✓')} wrote outbox row event_id ${id} — \`npm run lab -- outbox parked\` shows it parked with its reason`);
    }),
  );
outbox
  .command('redrive')
  .description('give parked rows back to the relay (fix them first: a row that still fails is parked again)')
  .argument('[eventIds...]', 'outbox event_id(s)')
  .option('--all', 'every parked row')
  .action(
    action(async (lab, eventIds: string[], options: { all?: boolean }) => {
      const ids = await redriveParked(lab, { all: Boolean(options.all), eventIds });
      if (ids.length === 0) throw new Error('no such parked row');
      console.log(`${pc.green('✓')} re-driven: event_id ${ids.join(', ')} — the relay publishes them now, or parks them again with the reason`);
    }),
  );

program
  .command('unbind')
  .description(`unbind ${TOPOLOGY.workQueue} from ${TOPOLOGY.exchange} (the unroutable lab): events are returned, and wait in the outbox`)
  .action(
    action(async (lab) => {
      const channel = await (await lab.amqp()).createChannel();
      await channel.unbindQueue(TOPOLOGY.workQueue, TOPOLOGY.exchange, TOPOLOGY.workBinding);
      await channel.close();
      console.log(`${pc.green('✓')} unbound — create proposals (\`npm run lab -- load 3\`), then \`npm run lab -- status\`; undo with \`npm run lab -- bind\``);
    }),
  );
program
  .command('bind')
  .description(`bind ${TOPOLOGY.workQueue} to ${TOPOLOGY.exchange} again (${TOPOLOGY.workBinding})`)
  .action(
    action(async (lab) => {
      const channel = await (await lab.amqp()).createChannel();
      await channel.bindQueue(TOPOLOGY.workQueue, TOPOLOGY.exchange, TOPOLOGY.workBinding);
      await channel.close();
      console.log(`${pc.green('✓')} bound — the relay publishes the waiting events at its next try`);
    }),
  );

program
  .command('poison')
  .description('publish a malformed message to show the DLQ')
  .addOption(new Option('--kind <kind>', 'what is wrong with it').choices(Object.keys(POISON_KINDS)).default('not-json'))
  .action(
    action(async (lab, options: { kind: PoisonKind }) => {
      const id = await publishPoison(await lab.amqp(), options.kind);
      console.log(`${pc.green('✓')} published ${options.kind} message ${id} — \`npm run lab -- dlq list\` shows it with its reason`);
    }),
  );

/** `[messageId]` or `--all`, as the dead-letter commands take them. */
function deadLetterSelection(messageId: string | undefined, options: { all?: boolean }): { all: true } | { messageId: string } {
  if (options.all) return { all: true };
  if (!messageId) throw new Error('give a message id or --all');
  return { messageId };
}

const dlq = program.command('dlq').description('inspect and re-drive dead-lettered messages');
dlq
  .command('list')
  .description('dead letters with their reason (not consumed)')
  .option('--limit <n>', 'at most this many', positiveInt, 50)
  .action(
    action(async (lab, options: { limit: number }) => {
      const letters = await listDeadLetters(await lab.amqp(), options.limit);
      if (letters.length === 0) return console.log('the DLQ is empty');
      for (const l of letters) console.log(`${pc.bold(l.messageId)}  ${l.type}  ${pc.dim(l.at)}\n  ${pc.yellow(l.reason)}`);
    }),
  );
dlq
  .command('show')
  .description('one dead letter in full')
  .argument('<messageId>')
  .action(
    action(async (lab, messageId: string) => {
      const letter = (await listDeadLetters(await lab.amqp(), 10_000)).find((l) => l.messageId === messageId);
      if (!letter) throw new Error(`no dead letter with message id ${messageId}`);
      console.log(JSON.stringify(letter, null, 2));
    }),
  );
dlq
  .command('redrive')
  .description('move dead letters back to the work queue for another try')
  .argument('[messageId]', 'just this one')
  .option('--all', 'every dead letter')
  .action(
    action(async (lab, messageId: string | undefined, options: { all?: boolean }) => {
      const moved = await redriveDeadLetters(await lab.amqp(), deadLetterSelection(messageId, options));
      console.log(`${pc.green('✓')} re-drove ${moved} message(s) to the work queue`);
    }),
  );

dlq
  .command('purge')
  .description('discard dead letters for good (poison, after the lab); the outbox and the views stay')
  .argument('[messageId]', 'just this one')
  .option('--all', 'every dead letter')
  .action(
    action(async (lab, messageId: string | undefined, options: { all?: boolean }) => {
      const which = deadLetterSelection(messageId, options);
      const discarded = await discardDeadLetters(await lab.amqp(), which);
      if ('messageId' in which && discarded === 0) throw new Error(`no dead letter with message id ${messageId}`);
      console.log(`${pc.green('✓')} discarded ${discarded} dead letter(s); the outbox and the read side are untouched`);
    }),
  );

program
  .command('rebuild')
  .description('drop the read models and rebuild them from proposaleventstore')
  .action(
    action(async (lab) => {
      const bar = new SingleBar({ format: 'rebuild |{bar}| {value}/{total} events' }, Presets.shades_classic);
      bar.start(0, 0);
      const result = await rebuildViews(lab.mongo, (done, total) => {
        bar.setTotal(total);
        bar.update(done);
      });
      bar.stop();
      console.log(`${pc.green('✓')} rebuilt ${result.proposals} proposal views and ${result.customers} customer views from ${result.events} events`);
    }),
  );

program
  .command('load')
  .description('create n proposals with realistic data (and, with --updates, change each one\'s pax) at a rate, with a progress bar')
  .argument('<n>', 'how many proposals', positiveInt)
  .option('--rate <r>', 'requests per second (creations and updates together)', positiveInt, 50)
  .option('--updates <k>', 'pax replacements per proposal after its creation, one after another', nonNegativeInt, 0)
  .action(
    action(async (lab, n: number, options: { rate: number; updates: number }) => {
      const result = await load(lab, n, options.rate, options.updates);
      const rate = result.sentPerSecond;
      const behind = rate < options.rate * 0.9;
      const why = result.throttled
        ? ': the command API could not keep up'
        : options.updates > 0
          ? ': each update waits for the answer to the one before'
          : ': this machine ran the pacing late (busy?)';
      console.log(
        `${pc.green('✓')} created ${result.created}, updated ${result.updated}, failed ${result.failed}, in ${result.seconds.toFixed(1)} s ` +
          `(${rate.toFixed(0)} requests/s sent of the ${options.rate}/s asked${behind ? why : ''})`,
      );
      if (result.failed > 0) process.exitCode = 1;
    }),
  );

program
  .command('mode')
  .description('show or switch the publish mode (outbox = reliable, direct = the dual-write flaw of Lab 1)')
  .addArgument(new Command().createArgument('[mode]', 'outbox or direct').choices(['outbox', 'direct']))
  .action(
    action(async (lab, mode: 'outbox' | 'direct' | undefined) => {
      if (mode) console.log(`${pc.green('✓')} ${await switchMode(lab, mode)}`);
      else console.log(`publish mode: ${pc.bold((await currentMode(lab)) ?? 'unknown (command-api not running?)')}`);
    }),
  );

void program.parseAsync(process.argv);
