-- Seed customers 1-3 from the course, so the labs work out of the box. Idempotent.
INSERT INTO customers (customer_id, email, first_name, middle_name, last_name, phone) VALUES
  (1, 'john.doe@example.com',          'John',    NULL, 'Doe',       '+1-555-0101'),
  (2, 'andy.knoworth@example.com',     'Andy',    'S',  'Knoworth',  '+1-555-0102'),
  (3, 'donegan.woolworth@example.com', 'Donegan', NULL, 'Woolworth', '+1-555-0103')
ON CONFLICT (customer_id) DO NOTHING;

-- Identity columns do not notice explicit ids: move the sequence past the seeded rows.
SELECT setval(pg_get_serial_sequence('customers', 'customer_id'),
              GREATEST((SELECT max(customer_id) FROM customers), 3));
