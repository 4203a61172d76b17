export * from '../../src/sandbox/fakes/fake-slack.js';
