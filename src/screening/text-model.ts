import { featureIds } from './text-features.js';
import { tokenizePost, type PostTokens } from './tokenize-post.js';

/** What the text classifier predicts. Each task is optional: a team may label only sentiment. */
export const TEXT_TASKS = ['sentiment', 'intent', 'topic'] as const;
export type TextTask = (typeof TEXT_TASKS)[number];

/** Size of the hashed feature space (2^18 = 262,144 buckets per label). */
export const MODEL_BITS = 18;

/**
 * One task's classifier: one-vs-rest logistic regression over hashed features.
 * Each label j has a weight per feature bucket (`weights[f * k + j]`) and a bias; the
 * decision adds a per-label `offset` tuned at training for macro-F1, so rare labels
 * (a small skill group) are not drowned by the common one.
 */
export interface TaskModel {
  labels: string[];
  /** Whether character n-grams are among the features (set per task at training). */
  charGrams: boolean;
  weights: Float32Array;
  bias: Float32Array;
  offsets: Float32Array;
  /** How many labelled examples each label has seen (training plus learning). */
  seen: number[];
}

/**
 * A trained text model: the classifiers for sentiment, intent and topic, and how topics
 * map to skill groups. Built by `trainTextModel`, stored with `textModelToJson`, read back
 * with `textModelFromJson`, and updated in place by `learn`.
 */
export interface TextModel {
  bits: number;
  tasks: Partial<Record<TextTask, TaskModel>>;
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

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** An empty model: predicts nothing until trained or taught with `learn`. */
export function emptyTextModel(): TextModel {
  return { bits: MODEL_BITS, tasks: {}, topicGroups: {} };
}

function newTask(labels: string[], bits: number, charGrams: boolean): TaskModel {
  const k = labels.length;
  return {
    labels: [...labels],
    charGrams,
    weights: new Float32Array((1 << bits) * k),
    bias: new Float32Array(k),
    offsets: new Float32Array(k),
    seen: labels.map(() => 0),
  };
}

/** Scores per label (before offsets) for one feature set. */
function scoresOf(task: TaskModel, ids: Int32Array): Float64Array {
  const k = task.labels.length;
  const s = new Float64Array(k);
  const v = 1 / Math.sqrt(Math.max(1, ids.length));
  const w = task.weights;
  for (let t = 0; t < ids.length; t++) {
    const o = ids[t]! * k;
    for (let j = 0; j < k; j++) s[j]! += w[o + j]!;
  }
  for (let j = 0; j < k; j++) s[j] = s[j]! * v + task.bias[j]!;
  return s;
}

function decide(task: TaskModel, s: Float64Array): Prediction {
  let best = 0;
  let bestScore = -Infinity;
  let total = 0;
  for (let j = 0; j < s.length; j++) {
    total += sigmoid(s[j]!);
    const d = s[j]! + task.offsets[j]!;
    if (d > bestScore) { bestScore = d; best = j; }
  }
  return { label: task.labels[best]!, confidence: total > 0 ? sigmoid(s[best]!) / total : 0 };
}

/** Features of a post for every task of a model, computed at most twice (with and without n-grams). */
function featuresFor(model: TextModel, post: PostTokens): (task: TaskModel) => Int32Array {
  let plain: Int32Array | undefined;
  let withGrams: Int32Array | undefined;
  return (task) => {
    if (task.charGrams) return (withGrams ??= featureIds(post, { bits: model.bits, charGrams: true }));
    return (plain ??= featureIds(post, { bits: model.bits, charGrams: false }));
  };
}

/** Predicts every task the model has, from an already tokenised post. */
export function predictTokens(model: TextModel, post: PostTokens): TextPredictions {
  const feats = featuresFor(model, post);
  const out: TextPredictions = {};
  for (const name of TEXT_TASKS) {
    const task = model.tasks[name];
    if (task && task.labels.length > 0) out[name] = decide(task, scoresOf(task, feats(task)));
  }
  return out;
}

/** Predicts every task the model has. */
export function predictText(model: TextModel, text: string): TextPredictions {
  return predictTokens(model, tokenizePost(text));
}

function addLabel(task: TaskModel, label: string, bits: number): number {
  const i = task.labels.indexOf(label);
  if (i >= 0) return i;
  // A label the model never saw (a team added a topic): widen every row by one slot.
  const k = task.labels.length;
  const rows = 1 << bits;
  const grown = new Float32Array(rows * (k + 1));
  for (let f = 0; f < rows; f++) {
    for (let j = 0; j < k; j++) grown[f * (k + 1) + j] = task.weights[f * k + j]!;
  }
  task.weights = grown;
  const widen = (a: Float32Array): Float32Array => { const b = new Float32Array(k + 1); b.set(a); return b; };
  task.bias = widen(task.bias);
  task.offsets = widen(task.offsets);
  task.labels.push(label);
  task.seen.push(0);
  return k;
}

/** Step size of an online correction; features are L2-normalised, so 1 moves a score by about 1. */
const LEARN_RATE = 1;
const LEARN_BIAS_RATE = 0.05;
const LEARN_MAX_STEPS = 25;
/** A correction is done when the corrected label wins with at least this probability. */
const LEARN_TARGET = 0.6;

/**
 * Online learning from one staff decision (a re-route, a corrected tag, an ignore).
 * Updates `model` in place and returns it. The example is stepped on until the model
 * gives it the corrected label with some margin, so the next near-identical post is
 * classified the way staff said, while other posts move only as far as they share
 * features with it.
 */
export function learn(model: TextModel, text: string, labels: TextLabels): TextModel {
  const post = tokenizePost(text);
  for (const name of TEXT_TASKS) {
    const label = labels[name];
    if (label === undefined || label === '') continue;
    const task = (model.tasks[name] ??= newTask([], model.bits, name === 'topic'));
    const target = addLabel(task, label, model.bits);
    task.seen[target]! += 1;
    const ids = featureIds(post, { bits: model.bits, charGrams: task.charGrams });
    const k = task.labels.length;
    const v = 1 / Math.sqrt(Math.max(1, ids.length));
    for (let s = 0; s < LEARN_MAX_STEPS; s++) {
      const sc = scoresOf(task, ids);
      const p = decide(task, sc);
      if (p.label === label && sigmoid(sc[target]!) >= LEARN_TARGET) break;
      for (let j = 0; j < k; j++) {
        const g = sigmoid(sc[j]!) - (j === target ? 1 : 0);
        task.bias[j]! -= LEARN_BIAS_RATE * g;
        const step = LEARN_RATE * g * v;
        for (let t = 0; t < ids.length; t++) task.weights[ids[t]! * k + j]! -= step;
      }
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
  /** Seed for the shuffles and the tuning split, so training is reproducible. */
  seed?: number;
  topicGroups?: Record<string, string>;
  /** Character n-grams per task; by default only for topics. */
  charGrams?: Partial<Record<TextTask, boolean>>;
  /** Tune per-label decision offsets for macro-F1 on a held-out fifth (default true). */
  tuneOffsets?: boolean;
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

function shuffle(a: number[], rnd: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

const TRAIN_RATE = 0.3;
const TRAIN_L2 = 1e-4;

/**
 * Fits one-vs-rest logistic regression with AdaGrad. Each label's positives are weighted
 * by √(negatives/positives): rare labels get heard without flooding the common one.
 */
function fit(
  task: TaskModel, X: Int32Array[], y: number[], w: number[], rows: number[], epochs: number, rnd: () => number,
): void {
  const k = task.labels.length;
  const G = new Float32Array(task.weights.length);
  const Gb = new Float64Array(k);
  const count = new Array<number>(k).fill(0);
  for (const i of rows) count[y[i]!]! += 1;
  const posWeight = count.map((c) => (c > 0 ? Math.sqrt((rows.length - c) / c) : 1));
  const order = [...rows];
  const W = task.weights;
  for (let e = 0; e < epochs; e++) {
    shuffle(order, rnd);
    for (const i of order) {
      const ids = X[i]!;
      const v = 1 / Math.sqrt(Math.max(1, ids.length));
      const s = scoresOf(task, ids);
      for (let j = 0; j < k; j++) {
        const yes = y[i] === j;
        const g = (sigmoid(s[j]!) - (yes ? 1 : 0)) * w[i]! * (yes ? posWeight[j]! : 1);
        Gb[j]! += g * g;
        task.bias[j]! -= (TRAIN_RATE * g) / Math.sqrt(Gb[j]! + 1e-8);
        const gv = g * v;
        for (let t = 0; t < ids.length; t++) {
          const o = ids[t]! * k + j;
          const gf = gv + TRAIN_L2 * W[o]!;
          G[o]! += gf * gf;
          W[o]! -= (TRAIN_RATE * gf) / Math.sqrt(G[o]! + 1e-8);
        }
      }
    }
  }
}

/** Macro-F1 of predicted vs true label indices over k labels (labels absent from both are skipped). */
export function macroF1(gold: number[], pred: number[], k: number): number {
  let sum = 0;
  let n = 0;
  for (let j = 0; j < k; j++) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < gold.length; i++) {
      if (pred[i] === j && gold[i] === j) tp++;
      else if (pred[i] === j) fp++;
      else if (gold[i] === j) fn++;
    }
    if (tp + fp + fn === 0) continue;
    sum += (2 * tp) / (2 * tp + fp + fn);
    n++;
  }
  return n === 0 ? 0 : sum / n;
}

/** Coordinate ascent on per-label offsets, maximising macro-F1 on held-out scores. */
function tuneOffsets(scores: Float64Array[], gold: number[], k: number): Float32Array {
  const off = new Float32Array(k);
  const predict = (): number[] => scores.map((s) => {
    let b = 0;
    for (let j = 1; j < k; j++) if (s[j]! + off[j]! > s[b]! + off[b]!) b = j;
    return b;
  });
  let best = macroF1(gold, predict(), k);
  const steps = [-1, -0.5, -0.25, -0.1, 0.1, 0.25, 0.5, 1];
  for (let round = 0; round < 3; round++) {
    let improved = false;
    for (let j = 0; j < k; j++) {
      for (const d of steps) {
        const old = off[j]!;
        off[j] = Math.max(-2, Math.min(2, old + d));
        const f = macroF1(gold, predict(), k);
        // Demand a real gain: a held-out fifth is small, and offsets fitted to noise hurt.
        if (f > best + 0.002) { best = f; improved = true; } else off[j] = old;
      }
    }
    if (!improved) break;
  }
  return off;
}

/** Trains a model from labelled examples; rows without a label for a task are skipped for it. */
export function trainTextModel(examples: readonly TrainingExample[], opts: TrainOptions = {}): TextModel {
  const epochs = opts.epochs ?? 5;
  const bits = MODEL_BITS;
  const model: TextModel = { bits, tasks: {}, topicGroups: { ...(opts.topicGroups ?? {}) } };
  const posts = examples.map((e) => tokenizePost(e.text));
  let plain: Int32Array[] | undefined;
  let grams: Int32Array[] | undefined;
  const weights = examples.map((e) => (e.weight === undefined || !(e.weight > 0) ? 1 : Math.min(1, e.weight)));
  for (const name of TEXT_TASKS) {
    const rows = examples.map((_, i) => i).filter((i) => (examples[i]!.labels[name] ?? '') !== '');
    if (rows.length === 0) continue;
    const charGrams = opts.charGrams?.[name] ?? name === 'topic';
    const X = charGrams
      ? (grams ??= posts.map((p) => featureIds(p, { bits, charGrams: true })))
      : (plain ??= posts.map((p) => featureIds(p, { bits, charGrams: false })));
    const labels = [...new Set(rows.map((i) => examples[i]!.labels[name]!))].sort();
    const y = examples.map((e) => labels.indexOf(e.labels[name] ?? ''));
    const rnd = seededRandom(opts.seed ?? 1);
    let offsets: Float32Array = new Float32Array(labels.length);
    if ((opts.tuneOffsets ?? true) && labels.length > 1 && rows.length >= 200) {
      const order = [...rows];
      shuffle(order, rnd);
      const cut = Math.floor(order.length * 0.8);
      const probe = newTask(labels, bits, charGrams);
      fit(probe, X, y, weights, order.slice(0, cut), epochs, rnd);
      const held = order.slice(cut);
      offsets = tuneOffsets(held.map((i) => scoresOf(probe, X[i]!)), held.map((i) => y[i]!), labels.length);
    }
    const task = newTask(labels, bits, charGrams);
    fit(task, X, y, weights, rows, epochs, rnd);
    task.offsets = offsets;
    for (const i of rows) task.seen[y[i]!]! += 1;
    model.tasks[name] = task;
  }
  return model;
}

/** The JSON form of a model file. */
export interface TextModelJson {
  format: 'earshot-text-model';
  version: 1;
  bits: number;
  topicGroups: Record<string, string>;
  tasks: Partial<Record<TextTask, {
    labels: string[];
    charGrams: boolean;
    bias: number[];
    offsets: number[];
    seen: number[];
    /** Weights are stored quantised to 16 bits: value = int16 × scale. */
    scale: number;
    /** Base64 of the non-zero feature rows: LEB128 gaps between row indexes. */
    rows: string;
    /** Base64 of little-endian int16 weights, k per stored row. */
    weights: string;
  }>>;
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Rows whose weights are all below this are dropped when saving: they never change a decision. */
const SAVE_EPSILON = 1e-4;

/** Serialises a model to the JSON kept in a model file (sparse, quantised: small on disk). */
export function textModelToJson(model: TextModel): TextModelJson {
  const tasks: TextModelJson['tasks'] = {};
  for (const name of TEXT_TASKS) {
    const task = model.tasks[name];
    if (!task) continue;
    const k = task.labels.length;
    const rowsN = task.weights.length / Math.max(1, k);
    let max = 0;
    for (const x of task.weights) max = Math.max(max, Math.abs(x));
    const scale = max > 0 ? max / 32767 : 1;
    const gaps: number[] = [];
    const vals: number[] = [];
    let last = -1;
    for (let f = 0; f < rowsN; f++) {
      let keep = false;
      for (let j = 0; j < k; j++) if (Math.abs(task.weights[f * k + j]!) > SAVE_EPSILON) { keep = true; break; }
      if (!keep) continue;
      let gap = f - last;
      last = f;
      while (gap >= 0x80) { gaps.push((gap & 0x7f) | 0x80); gap >>>= 7; }
      gaps.push(gap);
      for (let j = 0; j < k; j++) vals.push(Math.round(task.weights[f * k + j]! / scale));
    }
    const i16 = Int16Array.from(vals);
    tasks[name] = {
      labels: [...task.labels],
      charGrams: task.charGrams,
      bias: [...task.bias].map(round6),
      offsets: [...task.offsets].map(round6),
      seen: [...task.seen],
      scale,
      rows: Buffer.from(Uint8Array.from(gaps)).toString('base64'),
      weights: Buffer.from(i16.buffer, i16.byteOffset, i16.byteLength).toString('base64'),
    };
  }
  return { format: 'earshot-text-model', version: 1, bits: model.bits, topicGroups: { ...model.topicGroups }, tasks };
}

export class TextModelInvalidError extends Error {
  readonly code = 'TEXT_MODEL_INVALID';
  constructor(detail: string) {
    super(`not a usable Earshot text model: ${detail}`);
    this.name = 'TextModelInvalidError';
  }
}

/** Reads a model from its JSON form (as parsed from a model file), checking its shape. */
export function textModelFromJson(json: unknown): TextModel {
  const j = json as Partial<TextModelJson> | null;
  if (!j || typeof j !== 'object' || j.format !== 'earshot-text-model') throw new TextModelInvalidError('"format" is not "earshot-text-model" (was the file made by `earshot train`?)');
  if (j.version !== 1) throw new TextModelInvalidError(`unsupported version ${String(j.version)}`);
  const bits = j.bits;
  if (typeof bits !== 'number' || !Number.isInteger(bits) || bits < 8 || bits > 24) throw new TextModelInvalidError(`"bits" must be an integer 8..24, got ${String(bits)}`);
  const model: TextModel = { bits, tasks: {}, topicGroups: { ...(j.topicGroups ?? {}) } };
  for (const name of TEXT_TASKS) {
    const t = j.tasks?.[name];
    if (!t) continue;
    const k = Array.isArray(t.labels) ? t.labels.length : 0;
    const bad = (what: string): never => { throw new TextModelInvalidError(`task "${name}": ${what}`); };
    if (k === 0) bad('no labels');
    if (!Array.isArray(t.bias) || t.bias.length !== k) bad('"bias" does not match the labels');
    if (typeof t.rows !== 'string' || typeof t.weights !== 'string' || typeof t.scale !== 'number') bad('missing weights');
    const task = newTask(t.labels, bits, t.charGrams === true);
    task.bias = Float32Array.from(t.bias);
    task.offsets = Array.isArray(t.offsets) && t.offsets.length === k ? Float32Array.from(t.offsets) : new Float32Array(k);
    task.seen = Array.isArray(t.seen) && t.seen.length === k ? [...t.seen] : t.labels.map(() => 0);
    const gaps = Buffer.from(t.rows, 'base64');
    const wb = Buffer.from(t.weights, 'base64');
    const vals = new Int16Array(wb.buffer.slice(wb.byteOffset, wb.byteOffset + wb.byteLength - (wb.byteLength % 2)));
    let f = -1;
    let r = 0;
    let p = 0;
    while (p < gaps.length) {
      let gap = 0;
      let shift = 0;
      let b: number;
      do { b = gaps[p++]!; gap |= (b & 0x7f) << shift; shift += 7; } while (b & 0x80 && p < gaps.length);
      f += gap;
      if (f >= 1 << bits) bad('a feature row lies outside the hash space');
      if ((r + 1) * k > vals.length) bad('fewer weights than rows');
      for (let jj = 0; jj < k; jj++) task.weights[f * k + jj] = vals[r * k + jj]! * t.scale;
      r++;
    }
    if (r * k !== vals.length) bad('more weights than rows');
    model.tasks[name] = task;
  }
  return model;
}
