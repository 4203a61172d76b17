/**
 * Layer rules, checked in `npm test` (npm run lint:layers).
 * The pure middle — domain, screening, routing, case workflow and policy, metrics maths —
 * imports no SDK, no network, no file system and no other layer's adapters. Adapters
 * (chat platforms, networks) never import each other. Reading the clock or process.env
 * is not visible to import rules; tests/architecture/purity.test.ts checks that.
 */
const PURE = '^src/(domain|screening|routing|cases|metrics)/';
const SDKS = [
  '@slack/', 'botbuilder', 'botframework-', 'twitter-api-v2', '@atproto/', 'masto', 'rss-parser', 'bree',
  'keyv', '@keyv/', '^pg$', 'redis', '@redis/', 'express', 'sqlite3', 'pino', 'bottleneck', 'prom-client',
  'vega', '@resvg/', 'dotenv', 'commander', 'undici', 'ws',
];
module.exports = {
  forbidden: [
    {
      name: 'pure-middle-no-sdk',
      comment: 'The pure middle must not import vendor SDKs, storage, logging or web frameworks.',
      severity: 'error',
      from: { path: PURE },
      to: { path: SDKS.map((s) => `(^|/)node_modules/${s.replace(/^\^|\$$/g, '')}`).concat(SDKS.map((s) => `^${s.replace(/^\^|\$$/g, '')}`)) },
    },
    {
      name: 'pure-middle-no-io',
      comment: 'The pure middle must not touch the network, the file system, processes or workers.',
      severity: 'error',
      from: { path: PURE },
      to: { dependencyTypes: ['core'], path: '^(node:)?(http|https|http2|net|tls|dgram|dns|fs|fs/promises|child_process|worker_threads|cluster|os|process)$' },
    },
    {
      name: 'pure-middle-no-edges',
      comment: 'The pure middle must not import adapters, the app layer, the store or the server.',
      severity: 'error',
      from: { path: PURE },
      to: { path: '^src/(chat|sources|store|app|server|cli|jobs|outbox|util|charts|metrics-store|http)/' },
    },
    {
      name: 'botbuilder-only-in-teams',
      comment: 'Every botbuilder import stays under src/chat/teams/ (a move to the Agents SDK touches one folder).',
      severity: 'error',
      from: { pathNot: '^src/chat/teams/' },
      to: { path: ['botbuilder', 'botframework-'] },
    },
    {
      name: 'slack-only-in-slack',
      comment: 'Slack SDK imports stay in the Slack adapter and the server that wires it.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(chat/slack|server)/' },
      to: { path: '@slack/' },
    },
    {
      name: 'adapters-do-not-import-each-other',
      comment: 'One chat adapter never knows another; one network adapter never knows another.',
      severity: 'error',
      from: { path: '^src/(chat|sources)/([^/]+)/' },
      to: { path: '^src/(chat|sources)/([^/]+)/', pathNot: ['^src/$1/$2/'] },
    },
    {
      name: 'no-circular',
      severity: 'warn',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
    moduleSystems: ['es6', 'cjs'],
  },
};
