import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The lab guide (docs/labs.md) as the test reads it. Each ```bash block of the guide is preceded by a
 * marker: `<!-- e2e: 4a -->` names the part of a lab the block is (and the test runs it, line by line),
 * `<!-- e2e: not run (why) -->` says why a block is not run here. A block without a marker fails the
 * test, so the guide cannot grow a step the test does not follow.
 */
export interface GuideBlock {
  /** The marker's name: `before`, `1`, `1-undo`, `4a`…; undefined for a block that is not run. */
  part: string | undefined;
  /** Why the block is not run (the marker's reason). */
  notRun?: string;
  /** The line number of the block's opening fence in the guide, for messages. */
  line: number;
  steps: GuideStep[];
  /** Plain ``` blocks after it (before the next ```bash block or heading): what the guide says you see. */
  shows: string[];
}

export interface GuideStep {
  /** The command as the student types it (without its comment). */
  command: string;
  /** The `# …` comment after it, if any. */
  comment: string | undefined;
  /** A verdict the comment promises: `# STUCK: MongoDB is unreachable`, `# IN SYNC after a few seconds`. */
  expects: ExpectedVerdict | undefined;
}

export interface ExpectedVerdict {
  state: 'IN SYNC' | 'CATCHING UP' | 'STUCK' | 'OUT OF SYNC';
  /** The start of the verdict's reason (text after the colon, up to an ellipsis); empty: any reason. */
  why: string;
}

const MARKER = /^<!--\s*e2e:\s*(.+?)\s*-->$/;
const VERDICT = /^(IN SYNC|CATCHING UP|STUCK|OUT OF SYNC)(?::\s*(.*?)\s*(?:….*)?|\b.*)$/;

/** The verdict a step's comment promises, if it names one (its first words in capitals). */
export function expectedVerdict(comment: string | undefined): ExpectedVerdict | undefined {
  const match = comment === undefined ? null : VERDICT.exec(comment);
  if (!match) return undefined;
  return { state: match[1] as ExpectedVerdict['state'], why: (match[2] ?? '').trim() };
}

/** `cmd   # comment` → its parts (a `#` inside a command, as in `$!`, is not a comment: it needs a space before). */
export function parseStep(text: string): GuideStep {
  const at = text.search(/\s#\s/);
  const command = (at < 0 ? text : text.slice(0, at)).trim();
  const comment = at < 0 ? undefined : text.slice(at).replace(/^\s*#\s*/, '').trim();
  return { command, comment, expects: expectedVerdict(comment) };
}

export function parseGuide(markdown: string): GuideBlock[] {
  const lines = markdown.split('\n');
  const blocks: GuideBlock[] = [];
  let lastText = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('#')) {
      lastText = line;
      continue;
    }
    const fence = /^```(\w*)\s*$/.exec(line);
    if (!fence) {
      if (line.trim() !== '') lastText = line.trim();
      continue;
    }
    const body: string[] = [];
    const start = i + 1;
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i] ?? ''); i++) body.push(lines[i] ?? '');
    if (fence[1] === 'bash') {
      const marker = MARKER.exec(lastText)?.[1];
      if (marker === undefined) throw new Error(`docs/labs.md:${start}: a bash block without an <!-- e2e: … --> marker before it`);
      const notRun = /^not run\b\s*(.*)$/.exec(marker);
      blocks.push({
        part: notRun ? undefined : marker,
        ...(notRun ? { notRun: notRun[1]?.replace(/^\((.*)\)$/, '$1') ?? '' } : {}),
        line: start,
        steps: body.filter((l) => l.trim() !== '' && !l.trim().startsWith('#')).map(parseStep),
        shows: [],
      });
    } else if (fence[1] === '') {
      blocks.at(-1)?.shows.push(body.join('\n').trim());
    }
    lastText = '```';
  }
  return blocks;
}

export function readGuide(repoRoot: string): GuideBlock[] {
  return parseGuide(readFileSync(join(repoRoot, 'docs', 'labs.md'), 'utf8'));
}

/** The block of one part of a lab; fails when the guide has no such part (renamed or removed). */
export function part(blocks: GuideBlock[], name: string): GuideBlock {
  const block = blocks.find((b) => b.part === name);
  if (!block) throw new Error(`docs/labs.md has no block marked <!-- e2e: ${name} -->`);
  return block;
}
