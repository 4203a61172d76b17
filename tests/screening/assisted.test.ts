/**
 * Screening with the AI model's outputs (`assisted`, from `assist.screening`): they stand in
 * for the built-in sentiment, intent and topic, so rules, the topic's group and priority
 * follow them; a rule's route still beats the topic, and a null topic leaves the fallback.
 */
import { describe, expect, it } from 'vitest';
import { screenMention } from '../../src/screening/screen-mention.js';
import { configWith, mention, NOW } from './support.js';

const PRAISE = '@AcmeAir thank you, lovely crew and a smooth flight, great job';

describe('screenMention with the model\'s outputs', () => {
  it('uses the model\'s sentiment, intent and topic in place of the built-in ones, and routes by the topic', () => {
    const config = configWith();
    const builtIn = screenMention(mention(PRAISE), { config, now: NOW });
    expect(builtIn).toMatchObject({ sentiment: 'positive', group: 'general' });
    const s = screenMention(mention(PRAISE), { config, now: NOW, assisted: { sentiment: 'negative', intent: 'complaint', topic: 'baggage' } });
    expect(s).toMatchObject({ sentiment: 'negative', intent: 'complaint', topic: 'baggage', group: 'baggage' });
  });

  it('lets rules see the model\'s sentiment, and a rule\'s route beats the model\'s topic', () => {
    const config = configWith([{ name: 'angry to legal', when: { sentiment: ['negative'] }, then: { route: 'legal' } }]);
    expect(screenMention(mention(PRAISE), { config, now: NOW }).group).toBe('general');
    const s = screenMention(mention(PRAISE), { config, now: NOW, assisted: { sentiment: 'negative', intent: 'complaint', topic: 'baggage' } });
    expect(s.group).toBe('legal');
    expect(s.rulesFired.map((r) => r.rule)).toContain('angry to legal');
  });

  it('leaves a post with no topic from the model to the fallback group, without its topic', () => {
    const s = screenMention(mention('@AcmeAir my bag is lost'), { config: configWith(), now: NOW, assisted: { sentiment: 'neutral', intent: 'question', topic: null } });
    expect(s.group).toBe('general');
    expect(s.topic).toBeUndefined();
    expect(s).toMatchObject({ sentiment: 'neutral', intent: 'question' });
  });
});
