/**
 * No surface shows personal data: generated posts carrying every kind the screener knows,
 * through the real pipeline and every renderer (see tests/helpers/leak-harness.ts). The
 * same over 10,000 posts is `npm run bench:leaks`.
 */
import { describe, expect, it } from 'vitest';
import { findLeaks, generatePersonalPosts, leakConfig, runThroughSurfaces } from '../helpers/leak-harness.js';

describe('personal data never reaches a surface', () => {
  it('masks every value in cards, storm cards, dialogs, answers, notes, metrics, exports, labels and debug logs', async () => {
    const config = leakConfig();
    const posts = generatePersonalPosts(400, 7, config);
    const run = await runThroughSurfaces(posts, config);
    // Every surface was reached, so "no leak" is not "nothing shown".
    for (const surface of ['slack-card', 'teams-card', 'slack-storm-card', 'teams-storm-card', 'slack-modal', 'teams-dialog', 'ephemeral-answer', 'thread-note', 'metrics-answer', 'csv-export', 'labels', 'log']) {
      expect(run.surfaces.get(surface)?.join('').length ?? 0, surface).toBeGreaterThan(0);
    }
    expect(run.cases).toBeGreaterThan(100);
    expect(findLeaks(run, posts)).toEqual([]);
  }, 120_000);

  it('the check finds a value that is shown (unmasked text, digits split by spaces, a value in a log)', () => {
    const config = leakConfig();
    const posts = generatePersonalPosts(10, 3, config);
    const card = posts[0]!.secrets.find((s) => s.kind === 'card')!;
    const digits = card.value.replace(/\D/g, '');
    const leaks = findLeaks({ cases: 1, storms: 0, surfaces: new Map([
      ['slack-card', [`text ${card.value} end`]],
      ['log', [`{"msg":"x ${digits.slice(0, 4)} ${digits.slice(4, 8)} ${digits.slice(8, 12)}"}`]],
      ['labels', ['nothing here 1234']],
    ]) }, posts);
    expect(leaks.map((l) => l.surface).sort()).toEqual(['log', 'slack-card']);
  });
});
