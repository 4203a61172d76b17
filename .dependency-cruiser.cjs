/**
 * Layer rules, checked in `npm test` (npm run lint:layers).
 * The pure middle — domain, screening, routing, case workflow and policy, metrics maths —
 * imports no SDK, no network, no file system and no other layer's adapters. Adapters
 * (chat platforms, networks) never import each other. Reading the clock or process.env
 * is not visible to import rules; tests/architecture/purity.test.ts checks that.
 * The rooms and their arrows are in the design (Rooms): domain at the bottom, then
 * screening, routing, cases and metrics, then the app, then adapters, then the roots
 * (server, cli, jobs). Rules still at 'warn' name what they wait for in their comment;
 * tests/architecture/layers.test.ts proves every rule fires on a bad example.
 */
const PURE = '^src/(domain|screening|routing|cases|metrics)/';
const SDKS = [
  '@slack/', 'botbuilder', 'botframework-', 'twitter-api-v2', '@atproto/', 'masto', 'rss-parser', 'bree',
  'keyv', '@keyv/', '^pg$', 'redis', '@redis/', 'express', 'sqlite3', 'pino', 'bottleneck', 'prom-client',
  'vega', '@resvg/', 'dotenv', 'commander', 'undici', 'ws', 'twitter-text',
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
      to: { path: '^src/(chat|sources|store|app|server|cli|jobs|outbox|util|charts|metrics-store|http|models|text-links)/' },
    },
    {
      name: 'pure-middle-config-types-only',
      comment: 'The pure middle reads the shape of the config (types), never the loader, the env parser or zod schemas at run time: the loader reads files and builds every source.',
      severity: 'error',
      from: { path: PURE },
      to: { path: '^src/config/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'domain-imports-only-domain',
      comment: 'The domain (plain types, errors, query grammar, calendars) is the bottom room: it imports nothing else of ours.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/', pathNot: '^src/domain/' },
    },
    {
      name: 'workflow-rooms-not-metrics',
      comment: 'Screening, routing and cases take calendars and deadlines from the domain; metrics is a sibling they do not reach into.',
      severity: 'error',
      from: { path: '^src/(screening|routing|cases)/' },
      to: { path: '^src/metrics/' },
    },
    {
      name: 'metrics-not-workflow-rooms',
      comment: 'Metrics maths works on cases as data (domain types); it does not call screening, routing or the case workflow.',
      severity: 'error',
      from: { path: '^src/metrics/' },
      to: { path: '^src/(screening|routing|cases)/' },
    },
    {
      name: 'sources-not-outbox',
      comment: 'A network adapter says "slow down" or "no" with the domain\'s remote errors; the outbox is another adapter it must not know.',
      severity: 'error',
      from: { path: '^src/sources/' },
      to: { path: '^src/outbox/' },
    },
    {
      name: 'remote-errors-from-domain',
      comment: 'Outside the outbox, remote errors are imported from src/domain/remote-errors, not from the outbox\'s aliases.',
      severity: 'error',
      from: { path: '^(src|jobs)/', pathNot: '^src/outbox/' },
      to: { path: '^src/outbox/delivery-errors\\.ts$' },
    },
    {
      name: 'sources-not-screening',
      comment: 'Sources listen and normalise; they may use the query grammar (domain) but not screening, which runs after ingest.',
      severity: 'error',
      from: { path: '^src/sources/' },
      to: { path: '^src/screening/' },
    },
    {
      name: 'nothing-imports-cli',
      comment: 'The command line is a root: the server, jobs and the app never import it (shared helpers move below it, e.g. src/models).',
      severity: 'error',
      from: { path: '^(src|jobs)/', pathNot: '^src/cli/' },
      to: { path: '^src/cli/' },
    },
    {
      name: 'twitter-text-at-the-edge',
      comment: "X's text rules (twitter-text) are used by the X source and the link finder in src/text-links only; the policy gets a finder passed in.",
      severity: 'error',
      from: { pathNot: '^src/(sources/twitter|text-links)/' },
      to: { path: ['(^|/)node_modules/twitter-text/', '^twitter-text$'] },
    },
    {
      name: 'app-gets-edges-passed-in',
      comment: 'The app owns ports; file readers (src/models), text libraries (src/text-links) and the roots are handed to it by the wiring, never imported.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: '^src/(text-links|models|server|cli|sandbox)/' },
    },
    {
      name: 'card-model-not-app',
      comment: 'The card model and the chat gateway port (files directly under src/chat/) sit below the app: they never import it.',
      severity: 'error',
      from: { path: '^src/chat/[^/]+$' },
      to: { path: '^src/app/' },
    },
    {
      name: 'app-not-chat',
      comment: 'The app owns its ports and uses the card model from a room below it; it does not import src/chat/. Warn until the card model moves out of src/chat/.',
      severity: 'warn',
      from: { path: '^src/app/' },
      to: { path: '^src/chat/' },
    },
    {
      name: 'config-not-sources',
      comment: 'The config room knows no adapter: the sources\' own checks are passed to crossCheckConfig by the wiring (server/cross-check).',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/sources/' },
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
      comment: 'A cycle hides which room owns what; the tree has none, so a new one is refused.',
      severity: 'error',
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
