/**
 * Layer rules, checked in `npm test` (npm run lint:layers).
 * The pure middle — domain, screening, routing, case workflow and policy, metrics maths —
 * imports no SDK, no network, no file system and no other layer's adapters. Adapters
 * (chat platforms, networks) never import each other. Reading the clock or process.env
 * is not visible to import rules; tests/architecture/purity.test.ts checks that.
 * The rooms and their arrows are in the design (Rooms): domain at the bottom, then
 * screening, routing, cases and metrics, then the cards (src/cards: the card model and
 * its builders, shared by the app and the chat adapters), then the app, then adapters,
 * then the roots (server, cli, jobs). A rule put at 'warn' names what it waits for in its
 * comment (none is today); tests/architecture/layers.test.ts proves every rule fires on a
 * bad example.
 */
const PURE = '^src/(domain|screening|routing|cases|metrics)/';
// The cards are pure too (same case, same card), one floor up: they may use the pure middle.
const CARDS = '^src/cards/';
const SDKS = [
  '@slack/', 'botbuilder', 'botframework-', 'twitter-api-v2', '@atproto/', 'masto', 'rss-parser', 'bree',
  'keyv', '@keyv/', '^pg$', 'redis', '@redis/', 'express', 'sqlite3', 'pino', 'bottleneck', 'prom-client',
  'vega', '@resvg/', 'dotenv', 'commander', 'undici', 'ws', 'twitter-text',
];
module.exports = {
  forbidden: [
    {
      name: 'pure-middle-no-sdk',
      comment: 'The pure middle and the cards must not import vendor SDKs, storage, logging or web frameworks.',
      severity: 'error',
      from: { path: [PURE, CARDS] },
      to: { path: SDKS.map((s) => `(^|/)node_modules/${s.replace(/^\^|\$$/g, '')}`).concat(SDKS.map((s) => `^${s.replace(/^\^|\$$/g, '')}`)) },
    },
    {
      name: 'pure-middle-no-io',
      comment: 'The pure middle and the cards must not touch the network, the file system, processes or workers.',
      severity: 'error',
      from: { path: [PURE, CARDS] },
      to: { dependencyTypes: ['core'], path: '^(node:)?(http|https|http2|net|tls|dgram|dns|fs|fs/promises|child_process|worker_threads|cluster|os|process)$' },
    },
    {
      name: 'pure-middle-no-edges',
      comment: 'The pure middle must not import adapters, the app layer, the store or the server, nor the cards one floor up.',
      severity: 'error',
      from: { path: PURE },
      to: { path: '^src/(chat|sources|store|app|server|cli|jobs|outbox|util|charts|metrics-store|http|models|text-links|cards)/' },
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
      comment: 'Files directly under src/chat/ (helpers the adapters share, such as safe-text) never import the app: the card model and the gateway port lived here once, and nothing put back here may reach up into the app. The card model is in src/cards now (cards-below-app-and-chat).',
      severity: 'error',
      from: { path: '^src/chat/[^/]+$' },
      to: { path: '^src/app/' },
    },
    {
      name: 'app-not-chat',
      comment: 'The app owns its ports (ChatGateway in src/app/chat-gateway.ts) and uses the card model from src/cards, below it; it does not import src/chat/, whose adapters implement the ports.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: '^src/chat/' },
    },
    {
      name: 'cards-below-app-and-chat',
      comment: 'The cards sit below both the app that delivers them and the chat adapters that render them: they import only the domain, screening, the case rules and the config, never the app, chat, the server or another adapter.',
      severity: 'error',
      from: { path: CARDS },
      to: { path: '^src/', pathNot: '^src/(cards|domain|screening|cases|config)/' },
    },
    {
      name: 'cards-config-types-only',
      comment: 'The cards read the shape of the config (types), never the loader or the schemas at run time, like the pure middle.',
      severity: 'error',
      from: { path: CARDS },
      to: { path: '^src/config/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'chat-adapters-not-config',
      comment: 'The Slack and Teams adapters are handed what they need (cards already built, the channels each group names); of src/config they read only the environment (env.ts), never the earshot.yaml schema or its loader.',
      severity: 'error',
      from: { path: '^src/chat/' },
      to: { path: '^src/config/', pathNot: '^src/config/env\\.ts$' },
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
      name: 'ai-sdk-only-in-model-adapter',
      comment: 'The AI SDK and its providers are imported by the language-model adapter only (src/assist/ai-sdk-model.ts): the app owns the port (src/app/language-model.ts), so another library touches one file.',
      severity: 'error',
      from: { pathNot: '^src/assist/ai-sdk-model\\.ts$' },
      to: { path: ['(^|/)node_modules/(ai|@ai-sdk/[^/]+)/', '^ai$', '^@ai-sdk/'] },
    },
    {
      name: 'minisearch-only-in-assist',
      comment: 'The lexical index (MiniSearch) is AI assist\'s retrieval, in src/assist only.',
      severity: 'error',
      from: { pathNot: '^src/assist/' },
      to: { path: ['(^|/)node_modules/minisearch/', '^minisearch$'] },
    },
    {
      name: 'app-not-assist',
      comment: 'The app owns the assist ports (src/app/language-model.ts, draft-assistant.ts); src/assist implements them and is handed in by the server.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: '^src/assist/' },
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
