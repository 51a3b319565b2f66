-- Parking: an outbox row that cannot be published (its payload breaks the event contract, or its own
-- publish failed RELAY_MAX_ATTEMPTS times) is set aside with its reason, so the rows behind it flow on.
-- It stays unprocessed and visible:  npm run lab -- outbox parked
-- and goes back to the relay after a fix:  npm run lab -- outbox redrive <event_id>|--all
ALTER TABLE proposalevents ADD COLUMN IF NOT EXISTS parked_at timestamptz;

-- The relay claims only rows that are neither processed nor parked.
DROP INDEX IF EXISTS proposalevents_unprocessed_idx;
CREATE INDEX IF NOT EXISTS proposalevents_unprocessed_idx ON proposalevents (event_id)
  WHERE NOT processed AND parked_at IS NULL;
CREATE INDEX IF NOT EXISTS proposalevents_parked_idx ON proposalevents (event_id) WHERE parked_at IS NOT NULL;

-- A re-driven row wakes the relay like a new one.
DROP TRIGGER IF EXISTS proposalevents_notify_redrive ON proposalevents;
CREATE TRIGGER proposalevents_notify_redrive
  AFTER UPDATE OF parked_at ON proposalevents
  FOR EACH ROW WHEN (OLD.parked_at IS NOT NULL AND NEW.parked_at IS NULL)
  EXECUTE FUNCTION proposalevents_notify();
