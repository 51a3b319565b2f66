// Tier 2 — integration: real PostgreSQL, RabbitMQ and the MongoDB-compatible server.
// Run one file at a time: the outage tests stop and restart the shared broker.
// Each test file makes its own database, vhost and Mongo database (see libs/testing).
module.exports = require('./jest.preset')('\\.int-spec\\.ts$', { testTimeout: 60_000, maxWorkers: 1, globalSetup: '<rootDir>/jest.global-setup.js' });
