import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');

/**
 * Loading the server must not load the SDKs of a surface or a network that may be off:
 * botbuilder takes seconds to load (4 s on a busy machine), @atproto/api about 2 s. Teams'
 * adapter is imported when Teams is on (start-teams.ts), Bluesky's when a Bluesky source
 * first polls (create-bluesky-source.ts). A fresh process is the only place where what
 * one import loads can be seen: the test runner has loaded other things already.
 */
describe('importing the server', () => {
  it('loads neither botbuilder nor @atproto/api', () => {
    const server = pathToFileURL(join(ROOT, 'src', 'server', 'earshot.ts')).href;
    const script = `
      import Module from 'node:module';
      await import(${JSON.stringify(server)});
      const packages = new Set();
      for (const file of Object.keys(Module._cache)) {
        const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(file.slice(file.lastIndexOf('node_modules')));
        if (m) packages.add(m[1]);
      }
      console.log(JSON.stringify([...packages]));
      process.exit(0);
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    const loaded = JSON.parse(out.trim().split('\n').pop()!) as string[];
    // The check sees what was loaded: Bolt is always needed.
    expect(loaded).toContain('@slack/bolt');
    for (const sdk of ['botbuilder', 'botbuilder-core', 'botframework-connector', '@atproto/api']) expect(loaded, sdk).not.toContain(sdk);
  });
});
