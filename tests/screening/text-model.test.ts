import { describe, expect, it } from 'vitest';

import { screenMention } from '../../src/screening/screen-mention.js';
import {
  emptyTextModel, learn, predictText, seededRandom, textModelFromJson, textModelToJson, TextModelInvalidError, trainTextModel,
  type TrainingExample,
} from '../../src/screening/text-model.js';
import { configWith, mention, NOW } from './support.js';

/** A small synthetic history: complaints about bags and delays, thanks, questions. */
function history(n: number, seed = 5): TrainingExample[] {
  const rnd = seededRandom(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)]!;
  const places = ['Denver', 'Boston', 'Paris', 'the gate', 'baggage claim', 'Chicago'];
  const kinds: Array<[string, string, string, Array<(p: string) => string>]> = [
    ['negative', 'complaint', 'baggage', [(p) => `my bag never arrived in ${p}`, (p) => `lost luggage again at ${p}, nobody helps`, (p) => `suitcase damaged in ${p}, terrible`]],
    ['negative', 'complaint', 'delays', [(p) => `flight delayed 3 hours in ${p}, awful`, (p) => `stuck at ${p} again, still delayed`, (p) => `late again out of ${p}, worst airline`]],
    ['positive', 'praise', 'general', [(p) => `thanks for the great crew in ${p}!`, (p) => `love the new lounge at ${p}`, (p) => `amazing service in ${p}, thank you`]],
    ['neutral', 'question', 'general', [(p) => `what time does boarding start in ${p}?`, (p) => `is there wifi on flights to ${p}?`, (p) => `how do I add a bag for ${p}?`]],
  ];
  return Array.from({ length: n }, () => {
    const [sentiment, intent, topic, templates] = pick(kinds);
    return { text: pick(templates)(pick(places)), labels: { sentiment, intent, topic } };
  });
}

describe('training', () => {
  const model = trainTextModel(history(400));

  it('learns sentiment, intent and topic from labelled rows', () => {
    expect(predictText(model, 'my bag never arrived in Madrid').sentiment?.label).toBe('negative');
    expect(predictText(model, 'my bag never arrived in Madrid').topic?.label).toBe('baggage');
    expect(predictText(model, 'flight delayed 5 hours in Rome').topic?.label).toBe('delays');
    expect(predictText(model, 'thanks for the great crew!').intent?.label).toBe('praise');
    expect(predictText(model, 'is there wifi on flights to Rome?').intent?.label).toBe('question');
  });

  it('gives a probability with each prediction', () => {
    const p = predictText(model, 'lost luggage again, nobody helps').sentiment!;
    expect(p.confidence).toBeGreaterThan(0.5);
    expect(p.confidence).toBeLessThanOrEqual(1);
  });

  it('skips rows with an empty label for that task only', () => {
    const rows: TrainingExample[] = [...history(60), { text: 'no topic here', labels: { sentiment: 'neutral', topic: '' } }];
    const m = trainTextModel(rows);
    expect(m.tasks.topic!.labels).not.toContain('');
    expect(m.tasks.topic!.seen.reduce((a, b) => a + b, 0)).toBe(60);
    expect(m.tasks.sentiment!.seen.reduce((a, b) => a + b, 0)).toBe(61);
  });

  it('is reproducible with the same seed', () => {
    const a = textModelToJson(trainTextModel(history(120), { seed: 3 }));
    const b = textModelToJson(trainTextModel(history(120), { seed: 3 }));
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });

  it('survives the trip through a model file (JSON, no words in it)', () => {
    const json = JSON.stringify(textModelToJson(model));
    const back = textModelFromJson(JSON.parse(json));
    // Weights are stored as 16-bit numbers: labels are the same, probabilities within a hair.
    for (const t of ['my bag never arrived in Oslo', 'thanks, love it', 'what time does boarding start?']) {
      const [a, b] = [predictText(back, t), predictText(model, t)];
      for (const task of ['sentiment', 'intent', 'topic'] as const) {
        expect(a[task]!.label).toBe(b[task]!.label);
        expect(a[task]!.confidence).toBeCloseTo(b[task]!.confidence, 2);
      }
    }
    // Hashed features: the file holds numbers, not the posts' words.
    expect(json).not.toContain('luggage');
    expect(json).not.toContain('Denver');
  });

  it('refuses a file that is not a model, saying why', () => {
    expect(() => textModelFromJson({ hello: 1 })).toThrow(TextModelInvalidError);
    expect(() => textModelFromJson({ hello: 1 })).toThrow(/earshot train/);
    const json = textModelToJson(model);
    expect(() => textModelFromJson({ ...json, bits: 40 })).toThrow(/bits/);
    const broken = JSON.parse(JSON.stringify(json)) as typeof json;
    broken.tasks.sentiment!.bias = [0];
    expect(() => textModelFromJson(broken)).toThrow(/task "sentiment"/);
  });
});

describe('learning from staff decisions', () => {
  const scoreOf = (m: ReturnType<typeof trainTextModel>, text: string, task: 'sentiment' | 'topic', label: string): number => {
    const p = predictText(m, text)[task]!;
    return p.label === label ? p.confidence : 0;
  };

  it('a correction moves the model towards the label for that post and near-identical ones', () => {
    const model = trainTextModel(history(400));
    const post = 'stuck at Denver with my bag, delayed and nobody helps';
    const variant = 'Stuck at Denver with my bag!! delayed and nobody helps';
    const before = predictText(model, post).topic!.label;
    expect(predictText(model, variant).topic!.label).toBe(before);
    const corrected = before === 'baggage' ? 'delays' : 'baggage';
    // A few staff decisions on the same kind of post turn the model (one is remembered
    // outright by the correction memory; the model takes one gentle step per label).
    for (let i = 0; i < 4 && predictText(model, variant).topic!.label !== corrected; i++) learn(model, post, { topic: corrected });
    expect(predictText(model, variant).topic!.label).toBe(corrected);
  });

  it('a correction does not flip unrelated posts', () => {
    const model = trainTextModel(history(400));
    learn(model, 'stuck at Denver with my bag, delayed and nobody helps', { sentiment: 'positive' });
    expect(predictText(model, 'lost luggage again at Paris, nobody helps').sentiment!.label).toBe('negative');
    expect(predictText(model, 'thanks for the great crew in Boston!').sentiment!.label).toBe('positive');
  });

  it('takes one gentle step per label: none when the model already agrees by a margin', () => {
    const model = trainTextModel(history(400));
    const agreed = 'lost luggage again at Paris, nobody helps';
    const probes = [agreed, 'thanks for the great crew in Boston!', 'is there wifi on flights to Paris?'];
    const before0 = probes.map((t) => predictText(model, t));
    learn(model, agreed, { sentiment: 'negative' });
    expect(probes.map((t) => predictText(model, t))).toEqual(before0);
    const post = 'what time does boarding start in Denver?';
    const before = predictText(model, post).sentiment!;
    learn(model, post, { sentiment: 'negative' });
    const after = predictText(model, post).sentiment!;
    expect(after.label === 'negative' || after.confidence < before.confidence).toBe(true);
  });

  it('teaches a label the model has never seen (a new skill group)', () => {
    const model = trainTextModel(history(200));
    expect(model.tasks.topic!.labels).not.toContain('refunds');
    const refunds = ['where is my refund for the cancelled flight', 'still no refund for my cancelled flight', 'refund please, my flight was cancelled', 'when do I get my refund for the cancelled trip'];
    for (let round = 0; round < 3; round++) for (const text of refunds) learn(model, text, { topic: 'refunds' });
    expect(model.tasks.topic!.labels).toContain('refunds');
    expect(predictText(model, 'I want a refund for my cancelled flight').topic!.label).toBe('refunds');
    // Earlier knowledge stays.
    expect(predictText(model, 'flight delayed 3 hours in Boston, awful').topic!.label).toBe('delays');
  });

  it('starts from nothing and learns one decision at a time', () => {
    const model = emptyTextModel();
    expect(predictText(model, 'anything')).toEqual({});
    for (let i = 0; i < 3; i++) {
      learn(model, 'my bag is lost', { sentiment: 'negative', topic: 'baggage' });
      learn(model, 'thank you, great flight', { sentiment: 'positive', topic: 'general' });
    }
    expect(predictText(model, 'my bag is lost!').sentiment!.label).toBe('negative');
    expect(predictText(model, 'thank you for a great flight').topic!.label).toBe('general');
  });

  it('what it learned is kept in the model file', () => {
    const model = trainTextModel(history(200));
    for (let i = 0; i < 6; i++) learn(model, 'the app keeps crashing at checkout', { topic: 'app' });
    const back = textModelFromJson(JSON.parse(JSON.stringify(textModelToJson(model))));
    expect(predictText(back, 'the app keeps crashing at checkout').topic!.label).toBe('app');
    expect(scoreOf(back, 'the app keeps crashing at checkout', 'topic', 'app')).toBeCloseTo(scoreOf(model, 'the app keeps crashing at checkout', 'topic', 'app'), 2);
  });

  it('screening uses the model: its topic picks the group named like it', () => {
    const model = trainTextModel(history(400));
    const config = configWith();
    const s = screenMention(mention('@AcmeAir lost luggage again at Lisbon, nobody helps'), { config, now: NOW, model });
    expect(s.topic).toBe('baggage');
    expect(s.group).toBe('baggage');
    expect(s.sentiment).toBe('negative');
    // A topic that names no group goes to the fallback unless the model maps it.
    const t = screenMention(mention('@AcmeAir thanks for the great crew in Lisbon!'), { config, now: NOW, model });
    expect(t.topic).toBe('general');
    expect(t.group).toBe('general');
    model.topicGroups.delays = 'vip-desk';
    expect(screenMention(mention('@AcmeAir flight delayed 4 hours in Lisbon, awful'), { config, now: NOW, model }).group).toBe('vip-desk');
  });

  it('without a model, the lexicon and word rules still say something sensible', () => {
    const config = configWith();
    const neg = screenMention(mention('@AcmeAir worst service ever, my flight was cancelled'), { config, now: NOW });
    expect(neg.sentiment).toBe('negative');
    expect(neg.intent).toBe('complaint');
    const q = screenMention(mention('@AcmeAir what time does the lounge open?'), { config, now: NOW });
    expect(q.intent).toBe('question');
    const p = screenMention(mention('@AcmeAir thank you, amazing crew today'), { config, now: NOW });
    expect(p.sentiment).toBe('positive');
    expect(p.intent).toBe('praise');
    const lead = screenMention(mention('@AcmeAir how much is a business class upgrade to Tokyo'), { config, now: NOW });
    expect(lead.intent).toBe('lead');
  });
});

describe('second stage (each task reads every task\'s scores)', () => {
  const rows = history(800, 9);
  const model = trainTextModel(rows);

  it('is trained when two tasks have 500 rows or more, and not below', () => {
    expect(model.tasks.sentiment!.stack).toBeDefined();
    expect(model.tasks.topic!.stack!.from.sentiment!.length).toBe(model.tasks.topic!.labels.length * model.tasks.sentiment!.labels.length);
    expect(trainTextModel(history(400)).tasks.sentiment!.stack).toBeUndefined();
    expect(trainTextModel(rows, { stack: false }).tasks.sentiment!.stack).toBeUndefined();
  });

  it('still predicts the training patterns', () => {
    expect(predictText(model, 'my bag never arrived in Madrid').topic?.label).toBe('baggage');
    expect(predictText(model, 'thanks for the great crew!').sentiment?.label).toBe('positive');
    expect(predictText(model, 'is there wifi on flights to Rome?').intent?.label).toBe('question');
  });

  it('is kept in the model file, which then says version 2; a file without it stays version 1', () => {
    const json = textModelToJson(model);
    expect(json.version).toBe(2);
    const back = textModelFromJson(JSON.parse(JSON.stringify(json)));
    for (const t of ['my bag never arrived in Oslo', 'thanks, love it', 'flight delayed again in Paris']) {
      const [a, b] = [predictText(back, t), predictText(model, t)];
      for (const task of ['sentiment', 'intent', 'topic'] as const) {
        expect(a[task]!.label).toBe(b[task]!.label);
        expect(a[task]!.confidence).toBeCloseTo(b[task]!.confidence, 2);
      }
    }
    expect(textModelToJson(trainTextModel(history(120))).version).toBe(1);
  });

  it('refuses a newer version or a second stage that does not fit the labels, saying why', () => {
    const json = textModelToJson(model);
    expect(() => textModelFromJson({ ...json, version: 3 })).toThrow(/version 3 .*upgrade Earshot/);
    const broken = JSON.parse(JSON.stringify(json)) as typeof json;
    broken.tasks.topic!.stack!.from.sentiment = [1, 2];
    expect(() => textModelFromJson(broken)).toThrow(/task "topic": second stage weights for "sentiment"/);
  });

  it('a correction still changes the next prediction, and a new label can be taught', () => {
    const m = trainTextModel(rows);
    const post = 'stuck at Denver with my bag, delayed and nobody helps';
    const variant = 'Stuck at Denver with my bag!! delayed and nobody helps';
    const corrected = predictText(m, post).topic!.label === 'baggage' ? 'delays' : 'baggage';
    for (let i = 0; i < 6; i++) learn(m, post, { sentiment: 'neutral', topic: corrected });
    expect(predictText(m, variant).topic!.label).toBe(corrected);
    expect(predictText(m, variant).sentiment!.label).toBe('neutral');
    for (let i = 0; i < 8; i++) learn(m, 'where is my refund for the cancelled flight', { topic: 'refunds' });
    expect(m.tasks.topic!.stack!.bias.length).toBe(m.tasks.topic!.labels.length);
    // (Not with a "?": in this history every question is "general", and the second stage knows it.)
    expect(predictText(m, 'where is my refund for the cancelled flight please').topic!.label).toBe('refunds');
    expect(predictText(m, 'flight delayed 3 hours in Boston, awful').topic!.label).toBe('delays');
    // What it learned survives the model file.
    const back = textModelFromJson(JSON.parse(JSON.stringify(textModelToJson(m))));
    expect(predictText(back, 'where is my refund for the cancelled flight please').topic!.label).toBe('refunds');
  });
});

describe('feature dropout in training', () => {
  it('is seeded (same seed, same file), can be turned off, and still learns the patterns', () => {
    const rows = history(300, 11);
    const a = JSON.stringify(textModelToJson(trainTextModel(rows, { seed: 2 })));
    expect(JSON.stringify(textModelToJson(trainTextModel(rows, { seed: 2 })))).toBe(a);
    const off = trainTextModel(rows, { seed: 2, dropout: 0 });
    expect(JSON.stringify(textModelToJson(off))).not.toBe(a);
    const on = textModelFromJson(JSON.parse(a));
    for (const m of [on, off]) {
      expect(predictText(m, 'lost luggage again in Rome, nobody helps').topic?.label).toBe('baggage');
      expect(predictText(m, 'thanks for the great crew in Rome!').sentiment?.label).toBe('positive');
    }
  });
});
