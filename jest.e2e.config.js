// Tier 3 — end to end: the built apps as processes, over HTTP and AMQP, with fault injection.
// Files run one at a time: some stop and restart the shared RabbitMQ broker.
module.exports = require('./jest.preset')('\\.e2e-spec\\.ts$', { testTimeout: 120_000, maxWorkers: 1, globalSetup: '<rootDir>/jest.global-setup.js' });
