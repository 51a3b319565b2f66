import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OUTBOX_COLUMNS } from './outbox-table';
import { sqlDirectory } from './schema';

/** The columns of `proposalevents` as the sql/ files make them: CREATE TABLE, then ALTER TABLE … ADD COLUMN. */
function columnsInSql(): Record<string, { type: string; nullable?: true }> {
  const sql = readdirSync(sqlDirectory())
    .filter((f) => f.endsWith('.sql'))
    .sort()
    .map((f) => readFileSync(join(sqlDirectory(), f), 'utf8').replace(/--.*$/gm, ''))
    .join('\n');
  const definitions = [
    ...(/CREATE TABLE IF NOT EXISTS proposalevents \(([\s\S]*?)\n\);/.exec(sql)?.[1] ?? '').split(',\n'),
    ...[...sql.matchAll(/ALTER TABLE proposalevents ADD COLUMN IF NOT EXISTS ([^;]+);/g)].map((m) => m[1] ?? ''),
  ];
  const columns: Record<string, { type: string; nullable?: true }> = {};
  for (const definition of definitions) {
    const [, name, type] = /^\s*([a-z_]+)\s+([a-z]+)/.exec(definition) ?? [];
    if (!name || !type || name === 'constraint') continue;
    const notNull = /NOT NULL|PRIMARY KEY/.test(definition);
    columns[name] = notNull ? { type } : { type, nullable: true };
  }
  return columns;
}

describe('the outbox table in TypeScript (OUTBOX_COLUMNS)', () => {
  it('has exactly the columns of proposalevents in sql/, with their types and nullability', () => {
    // when
    const inSql = columnsInSql();

    // then
    expect(Object.keys(inSql).length).toBeGreaterThan(10); // the parser still finds the table
    expect(OUTBOX_COLUMNS).toEqual(inSql);
  });
});
