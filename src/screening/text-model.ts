import { extractFeatures } from './text-features.js';

/** What the text classifier predicts. Each task is optional: a team may label only sentiment. */
export const TEXT_TASKS = ['sentiment', 'intent', 'topic'] as const;
export type TextTask = (typeof TEXT_TASKS)[number];

/**
 * One task's linear classifier: a weight per (feature, label), trained as multinomial
 * logistic regression. `weights` holds, per feature, one number per label.
 */
export interface LinearClassifier {
  labels: string[];
  weights: Map<string, Float64Array>;
  bias: Float64Array;
  /** Per-feature AdaGrad accumulators, so online updates keep a sensible step size. */
  grad: Map<string, Float64Array>;
  gradBias: Float64Array;
  /** How many labelled examples each label has seen (training plus learning). */
  seen: number[];
}

/**
 * A trained text model: the classifiers for sentiment, intent and topic, and how topics
 * map to skill groups. Built by `trainTextModel`, stored as JSON by `textModelToJson`, read
 * back by `textModelFromJson`, and updated in place by `learn`.
 */
export interface TextModel {
  tasks: Partial<Record<TextTask, LinearClassifier>>;
  /** Topic label → skill group id, where they differ; a topic named like a group routes there. */
  topicGroups: Record<string, string>;
}

/** A prediction with the classifier's probability for it. */
export interface Prediction {
  label: string;
  confidence: number;
}

export type TextPredictions = Partial<Record<TextTask, Prediction>>;

export type TextLabels = Partial<Record<TextTask, string>>;

const newClassifier = (labels: string[]): LinearClassifier => ({
  labels: [...labels],
  weights: new Map(),
  bias: new Float64Array(labels.length),
  grad: new Map(),
  gradBias: new Float64Array(labels.length),
  seen: labels.map(() => 0),
});

/** The probabilities of each label for a feature set (softmax of the scores). */
function probabilities(clf: LinearClassifier, feats: string[]): Float64Array {
  const k = clf.labels.length;
  const scores = Float64Array.from(clf.bias);
  const scale = 1 / Math.sqrt(Math.max(1, feats.length));
  for (const f of feats) {
    const w = clf.weights.get(f);
    if (!w) continue;
    for (let j = 0; j < k; j++) scores[j]! += w[j]! * scale;
  }
  let max = -Infinity;
  for (let j = 0; j < k; j++) max = Math.max(max, scores[j]!);
  let sum = 0;
  for (let j = 0; j < k; j++) { scores[j] = Math.exp(scores[j]! - max); sum += scores[j]!; }
  for (let j = 0; j < k; j++) scores[j]! /= sum;
  return scores;
}

function predictWith(clf: LinearClassifier, feats: string[]): Prediction {
  const p = probabilities(clf, feats);
  let best = 0;
  for (let j = 1; j < p.length; j++) if (p[j]! > p[best]!) best = j;
  return { label: clf.labels[best]!, confidence: p[best]! };
}

/** One AdaGrad step of logistic loss on one example; `weight` scales the step. */
function step(clf: LinearClassifier, feats: string[], target: number, rate: number, weight: number): void {
  const k = clf.labels.length;
  const p = probabilities(clf, feats);
  const scale = 1 / Math.sqrt(Math.max(1, feats.length));
  const g = new Float64Array(k);
  for (let j = 0; j < k; j++) g[j] = (p[j]! - (j === target ? 1 : 0)) * weight;
  for (let j = 0; j < k; j++) {
    clf.gradBias[j]! += g[j]! * g[j]!;
    clf.bias[j]! -= (rate * g[j]!) / Math.sqrt(1e-8 + clf.gradBias[j]!);
  }
  for (const f of feats) {
    let w = clf.weights.get(f);
    let acc = clf.grad.get(f);
    if (!w || !acc) {
      w = new Float64Array(k);
      acc = new Float64Array(k);
      clf.weights.set(f, w);
      clf.grad.set(f, acc);
    }
    for (let j = 0; j < k; j++) {
      const gj = g[j]! * scale;
      acc[j]! += gj * gj;
      w[j]! -= (rate * gj) / Math.sqrt(1e-8 + acc[j]!);
    }
  }
}

const ensureLabel = (clf: LinearClassifier, label: string): number => {
  let i = clf.labels.indexOf(label);
  if (i >= 0) return i;
  // A new label (a team added a topic): grow every weight vector by one slot.
  clf.labels.push(label);
  clf.seen.push(0);
  const grow = (a: Float64Array): Float64Array => { const b = new Float64Array(a.length + 1); b.set(a); return b; };
  clf.bias = grow(clf.bias);
  clf.gradBias = grow(clf.gradBias);
  for (const [f, w] of clf.weights) clf.weights.set(f, grow(w));
  for (const [f, a] of clf.grad) clf.grad.set(f, grow(a));
  i = clf.labels.length - 1;
  return i;
};

/** Predicts every task the model has. */
export function predictText(model: TextModel, text: string): TextPredictions {
  const feats = extractFeatures(text);
  const out: TextPredictions = {};
  for (const task of TEXT_TASKS) {
    const clf = model.tasks[task];
    if (clf && clf.labels.length > 0) out[task] = predictWith(clf, feats);
  }
  return out;
}

/** How hard a single staff correction pushes: enough to flip a near-identical post. */
const LEARN_RATE = 0.5;
const LEARN_MAX_STEPS = 8;

/**
 * Online learning from one staff decision (a re-route, a corrected tag, an ignore).
 * Updates `model` in place and returns it. The example is repeated (up to a few steps)
 * until the model agrees with the correction, so the next near-identical post gets the
 * corrected label, while other posts move only as far as they share features.
 */
export function learn(model: TextModel, text: string, labels: TextLabels): TextModel {
  const feats = extractFeatures(text);
  for (const task of TEXT_TASKS) {
    const label = labels[task];
    if (label === undefined || label === '') continue;
    const clf = (model.tasks[task] ??= newClassifier([]));
    const target = ensureLabel(clf, label);
    clf.seen[target]! += 1;
    for (let s = 0; s < LEARN_MAX_STEPS; s++) {
      step(clf, feats, target, LEARN_RATE, 1);
      if (predictWith(clf, feats).label === label) break;
    }
  }
  return model;
}

/** One labelled row for training. `weight` (0..1] can carry the labellers' confidence. */
export interface TrainingExample {
  text: string;
  labels: TextLabels;
  weight?: number;
}

export interface TrainOptions {
  epochs?: number;
  rate?: number;
  /** Seed for the shuffling between epochs, so training is reproducible. */
  seed?: number;
  topicGroups?: Record<string, string>;
}

/** A small seeded PRNG (mulberry32): training must be reproducible run to run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Trains a model from labelled examples; rows without a label for a task are skipped for it. */
export function trainTextModel(examples: TrainingExample[], opts: TrainOptions = {}): TextModel {
  const epochs = opts.epochs ?? 6;
  const rate = opts.rate ?? 0.3;
  const rnd = seededRandom(opts.seed ?? 1);
  const feats = examples.map((e) => extractFeatures(e.text));
  const model: TextModel = { tasks: {}, topicGroups: { ...(opts.topicGroups ?? {}) } };
  for (const task of TEXT_TASKS) {
    const idx = examples.map((_, i) => i).filter((i) => (examples[i]!.labels[task] ?? '') !== '');
    if (idx.length === 0) continue;
    const labels = [...new Set(idx.map((i) => examples[i]!.labels[task]!))].sort();
    const clf = newClassifier(labels);
    for (const i of idx) clf.seen[labels.indexOf(examples[i]!.labels[task]!)]! += 1;
    for (let e = 0; e < epochs; e++) {
      for (let i = idx.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [idx[i], idx[j]] = [idx[j]!, idx[i]!];
      }
      for (const i of idx) {
        const ex = examples[i]!;
        step(clf, feats[i]!, labels.indexOf(ex.labels[task]!), rate, ex.weight ?? 1);
      }
    }
    model.tasks[task] = clf;
  }
  return model;
}

/** The JSON form of a model file. Weights are rounded: the file stays small. */
interface TextModelJson {
  format: 'earshot-text-model';
  version: 1;
  topicGroups: Record<string, string>;
  tasks: Partial<Record<TextTask, {
    labels: string[];
    seen: number[];
    bias: number[];
    gradBias: number[];
    /** feature → [weights..., accumulators...] */
    features: Record<string, number[]>;
  }>>;
}

const round = (x: number): number => Math.round(x * 1e4) / 1e4;

/** Serialises a model to the JSON kept in a model file. Near-zero weights are dropped. */
export function textModelToJson(model: TextModel): TextModelJson {
  const tasks: TextModelJson['tasks'] = {};
  for (const task of TEXT_TASKS) {
    const clf = model.tasks[task];
    if (!clf) continue;
    const features: Record<string, number[]> = {};
    for (const [f, w] of clf.weights) {
      const rw = [...w].map(round);
      if (rw.every((x) => x === 0)) continue;
      const acc = clf.grad.get(f) ?? new Float64Array(w.length);
      features[f] = [...rw, ...[...acc].map(round)];
    }
    tasks[task] = { labels: clf.labels, seen: clf.seen, bias: [...clf.bias].map(round), gradBias: [...clf.gradBias].map(round), features };
  }
  return { format: 'earshot-text-model', version: 1, topicGroups: model.topicGroups, tasks };
}

export class TextModelInvalidError extends Error {
  readonly code = 'TEXT_MODEL_INVALID';
  constructor(message: string) {
    super(`not an Earshot text model: ${message}`);
    this.name = 'TextModelInvalidError';
  }
}

/** Reads a model from its JSON form (as parsed from a model file), checking its shape. */
export function textModelFromJson(json: unknown): TextModel {
  const j = json as Partial<TextModelJson> | null;
  if (!j || typeof j !== 'object' || j.format !== 'earshot-text-model') throw new TextModelInvalidError('missing "format": "earshot-text-model"');
  if (j.version !== 1) throw new TextModelInvalidError(`unsupported version ${String(j.version)}`);
  const model: TextModel = { tasks: {}, topicGroups: { ...(j.topicGroups ?? {}) } };
  for (const task of TEXT_TASKS) {
    const t = j.tasks?.[task];
    if (!t) continue;
    const k = t.labels?.length ?? 0;
    if (!Array.isArray(t.labels) || !Array.isArray(t.bias) || t.bias.length !== k || typeof t.features !== 'object') {
      throw new TextModelInvalidError(`task "${task}" is malformed`);
    }
    const clf = newClassifier(t.labels);
    clf.bias = Float64Array.from(t.bias);
    clf.gradBias = Float64Array.from(t.gradBias ?? t.bias.map(() => 1));
    clf.seen = Array.isArray(t.seen) && t.seen.length === k ? [...t.seen] : t.labels.map(() => 0);
    for (const [f, v] of Object.entries(t.features)) {
      if (!Array.isArray(v) || v.length !== 2 * k) throw new TextModelInvalidError(`feature "${f}" of task "${task}" has ${Array.isArray(v) ? v.length : 0} numbers, expected ${2 * k}`);
      clf.weights.set(f, Float64Array.from(v.slice(0, k)));
      clf.grad.set(f, Float64Array.from(v.slice(k)));
    }
    model.tasks[task] = clf;
  }
  return model;
}
