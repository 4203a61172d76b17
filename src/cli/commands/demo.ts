/**
 * `earshot demo` (what `npm run demo` runs): the offline sandbox. Needs no credentials and no
 * network; see docs/sandbox.md.
 */
import type { Command } from 'commander';
import { defineDemo, type DemoOptions } from '../command-list.js';
import { DEMO_CONFIG_YAML } from '../../sandbox/demo-config.js';
import { createLogger } from '../../util/logger.js';

/** Registers `earshot demo` with its implementation loaded (tests; main.ts loads it lazily). */
export function register(program: Command): void {
  defineDemo(program, (opts) => demoCommand(opts));
}

/** `earshot demo`. */
export async function demoCommand(opts: DemoOptions): Promise<void> {
  if (opts.printConfig) {
    process.stdout.write(DEMO_CONFIG_YAML);
    return;
  }
  const log = createLogger(opts.logLevel);
  // Loaded here, not at the top: `earshot start` never loads the sandbox or its fakes.
  const { startSandbox } = await import('../../sandbox/start-sandbox.js');
  const sandbox = await startSandbox({
    log,
    port: opts.port,
    host: opts.host,
    storeFile: opts.store,
    keep: opts.keep,
    replay: opts.replay,
    speed: opts.speed,
  });
  const out = (line = '') => process.stdout.write(`${line}\n`);
  out();
  out('  Earshot sandbox is running: no credentials, nothing leaves this machine.');
  out();
  out(`  Open the workspace:   ${sandbox.url}`);
  out(`  Social feed (X):      ${sandbox.url}/feed`);
  out();
  out(`  Bot (Slack requests): ${sandbox.botUrl}/slack/events   health: ${sandbox.botUrl}/healthz`);
  out(`  Fake Slack Web API:   ${sandbox.slack.url}`);
  out(`  Fake X API v2:        ${sandbox.x.url}`);
  out(`  Store:                ${sandbox.storeFile} ${sandbox.resumed ? '(carried on from the last run)' : '(fresh; run with --keep to carry on next time)'}`);
  out();
  out(opts.replay
    ? '  Sample mentions arrive over the next two minutes; the first cards within seconds.'
    : '  No sample mentions (--no-replay): post your own from the social feed.');
  out('  Claim a card as Alice, draft a reply, switch to Lea to approve, then send it.');
  out('  Earshot under Apps: each person\'s Messages (their alerts) and Home (their queue).');
  out('  Move a card to DM, then answer as the customer from the feed\'s Direct messages tab.');
  out('  Press Ctrl-C to stop.');
  out();

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    out(`\n  ${signal}: stopping the sandbox…`);
    const force = setTimeout(() => { process.stderr.write('earshot: the sandbox took too long to stop\n'); process.exit(1); }, 15_000);
    force.unref();
    sandbox.stop().then(
      () => { out('  Stopped.'); log.flush(); process.exit(0); },
      (e: unknown) => { process.stderr.write(`earshot: stopping failed: ${(e as Error).message}\n`); process.exit(1); },
    );
  };
  process.on('SIGINT', () => shutdown('Ctrl-C'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}
