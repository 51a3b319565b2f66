// Tier 1 — unit: pure code, no I/O.
module.exports = require('./jest.preset')('\\.spec\\.ts$');
