export * from '../../src/sandbox/fakes/fake-x.js';
