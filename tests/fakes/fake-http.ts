export * from '../../src/sandbox/fakes/fake-http.js';
