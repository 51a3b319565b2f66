package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// FerretDB 1.24's PostgreSQL backend pushes an equality filter down as jsonb containment,
// `_jsonb->'field' @> $1`, but builds its indexes as btree on `(_jsonb->'field')`, which
// containment cannot use: every lookup, even by _id, scans the whole table
// (https://github.com/FerretDB/FerretDB/issues/4646; the figures are in docs/performance.md).
//
// The fix the reporter found: a GIN index on the same expression. An event trigger gives
// every btree index FerretDB creates a GIN companion, so each index the application declares with
// createIndex (and the _id index of every collection) is also usable by FerretDB's own queries.
// FerretDB keeps its index list in its own metadata, so the companions are invisible to clients;
// dropping a collection drops them with its table. Only an index's first field gets one: that is the
// selective part of a compound index (createIndex({customerId: 1, _id: 1}) → customerId).
//
// FerretDB also passes the field name as a parameter (`_jsonb->$1 @> $2`) of a prepared statement.
// Once PostgreSQL switches such a statement to a generic plan, `_jsonb->$1` no longer matches any
// expression index and every lookup scans again. plan_cache_mode = force_custom_plan, set for
// FerretDB's database only, plans each execution with the field name known.
const customPlansSQL = `
DO $do$ BEGIN
  EXECUTE format('ALTER DATABASE %I SET plan_cache_mode = force_custom_plan', current_database());
END $do$`

const indexCompanionsSQL = `
CREATE OR REPLACE FUNCTION public.acme_gin_companions(idx regclass) RETURNS void
LANGUAGE plpgsql AS $fn$
DECLARE
  tbl regclass;
  expr text;
BEGIN
  SELECT i.indrelid::regclass INTO tbl
  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
  WHERE i.indexrelid = idx AND am.amname = 'btree' AND i.indexprs IS NOT NULL;
  IF tbl IS NULL THEN RETURN; END IF;
  expr := pg_get_indexdef(idx, 1, false);
  -- top-level fields only: ((_jsonb -> 'name'::text)); nested paths are queried with #>
  IF expr !~ '^\(\(_jsonb -> ''[^'']*''::text\)\)$' THEN RETURN; END IF;
  EXECUTE format('CREATE INDEX IF NOT EXISTS %I ON %s USING gin (%s jsonb_path_ops)',
                 'acme_gin_' || md5(tbl::text || expr), tbl, expr);
END
$fn$;

CREATE OR REPLACE FUNCTION public.acme_gin_companions_on_create_index() RETURNS event_trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  cmd record;
BEGIN
  FOR cmd IN SELECT objid FROM pg_event_trigger_ddl_commands() WHERE object_type = 'index' LOOP
    PERFORM public.acme_gin_companions(cmd.objid::regclass);
  END LOOP;
END
$fn$;

DROP EVENT TRIGGER IF EXISTS acme_gin_companions;
CREATE EVENT TRIGGER acme_gin_companions ON ddl_command_end WHEN TAG IN ('CREATE INDEX')
  EXECUTE FUNCTION public.acme_gin_companions_on_create_index();

-- Collections created before the trigger existed.
SELECT public.acme_gin_companions(i.indexrelid::regclass)
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT LIKE 'pg\_%' AND n.nspname <> 'information_schema';
`

// installIndexCompanions sets custom plans for FerretDB's PostgreSQL database (needs its owner) and
// installs the event trigger (needs a superuser). Idempotent; each step is reported on its own.
func installIndexCompanions(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)

	// Simple protocol: several statements in one round trip (one implicit transaction).
	var errs []error
	if _, err = conn.Exec(ctx, customPlansSQL, pgx.QueryExecModeSimpleProtocol); err != nil {
		errs = append(errs, fmt.Errorf("setting plan_cache_mode: %w", err))
	}
	if _, err = conn.Exec(ctx, indexCompanionsSQL, pgx.QueryExecModeSimpleProtocol); err != nil {
		errs = append(errs, fmt.Errorf("installing GIN index companions: %w", err))
	}
	return errors.Join(errs...)
}
