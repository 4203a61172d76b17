export * from '../../src/sandbox/fakes/misbehave.js';
