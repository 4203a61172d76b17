import { charGramIds, postLevelIds, tokenGramIds, tokenWordIds, wordFeatureIds } from './text-features.js';
import type { TokenInfo } from './token-info.js';
import { tokenizePost, type PostTokens } from './tokenize-post.js';

/** What the text classifier predicts. Each task is optional: a team may label only sentiment. */
export const TEXT_TASKS = ['sentiment', 'intent', 'topic'] as const;
export type TextTask = (typeof TEXT_TASKS)[number];

/**
 * Size of the hashed feature space: 2^17 = 131,072 buckets. Scored as well as 2^18 on
 * the airline benchmark (2^16 lost a point of sentiment accuracy), and a smaller table
 * keeps prediction in the processor's cache.
 */
export const MODEL_BITS = 17;

/**
 * One task's classifier: one-vs-rest logistic regression over hashed features. Its
 * weights are the columns `column … column + labels.length - 1` of the model's shared
 * table; the decision adds a per-label `offset` tuned at training for macro-F1, so rare
 * labels (a small skill group) are not drowned by the common one.
 */
export interface TaskModel {
  labels: string[];
  /** Whether character 4-grams are among the features (topics: yes; tone: no). */
  charGrams: boolean;
  column: number;
  bias: Float32Array;
  offsets: Float32Array;
  /** How many labelled examples each label has seen (training plus learning). */
  seen: number[];
}

/**
 * A trained text model: the classifiers for sentiment, intent and topic, and how topics
 * map to skill groups. Built by `trainTextModel`, stored with `textModelToJson`, read back
 * with `textModelFromJson`, and updated in place by `learn`.
 *
 * All tasks share one weight table, a row per feature bucket and a column per (task,
 * label): a post's features are looked up once for every task, one memory line each.
 */
export interface TextModel {
  bits: number;
  /** Columns per row: the total number of labels over all tasks. */
  stride: number;
  weights: Float32Array;
  tasks: Partial<Record<TextTask, TaskModel>>;
  /** Topic label → skill group id, where they differ; a topic named like a group routes there. */
  topicGroups: Record<string, string>;
  /**
   * The weights quantised to one byte each (a scale per column), which is what prediction
   * reads: a quarter of the memory, so a post's look-ups mostly hit the processor cache.
   * Built on first use; `learn` keeps it current. Scores move by well under 1%.
   */
  packed?: PackedWeights | undefined;
}

/** One byte per weight; value ≈ `q[row * stride + c] * scale[c]`. */
export interface PackedWeights {
  stride: number;
  q: Int8Array;
  scale: Float32Array;
  /**
   * Per distinct token, the packed sums of its own features (its word, and its character
   * grams when a task uses them): a token's features never change, so a post costs one
   * look-up per token plus its word pairs. Dropped with the packed copy.
   */
  tokens: Map<string, TokenSums>;
  /** 1 for the columns of tasks that read character grams. */
  gramColumns: Uint8Array;
}

interface TokenSums {
  /** Per column: the token's word weight, plus its grams' weights in the columns of tasks that use grams. */
  sums: Int32Array;
  /** How many word features the token has (its word, and its valence when it has one). */
  words: number;
  gramCount: number;
}

/** Bound on the per-token sums kept (a feed's vocabulary is far smaller). */
const TOKEN_SUMS_LIMIT = 50_000;

/** A prediction with the classifier's probability for it. */
export interface Prediction {
  label: string;
  confidence: number;
}

export type TextPredictions = Partial<Record<TextTask, Prediction>>;
export type TextLabels = Partial<Record<TextTask, string>>;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** An empty model: predicts nothing until trained or taught with `learn`. */
export function emptyTextModel(bits = MODEL_BITS): TextModel {
  return { bits, stride: 0, weights: new Float32Array(0), tasks: {}, topicGroups: {} };
}

/** A post's features: word features for every task, character grams for tasks that use them. */
interface PostFeatures {
  words: Int32Array;
  grams: Int32Array | undefined;
}

const needsGrams = (model: TextModel): boolean => TEXT_TASKS.some((t) => model.tasks[t]?.charGrams);

function featuresOf(model: TextModel, post: PostTokens, grams = needsGrams(model)): PostFeatures {
  return { words: wordFeatureIds(post, model.bits), grams: grams ? charGramIds(post, model.bits) : undefined };
}

function pack(model: TextModel): PackedWeights {
  const stride = model.stride;
  const W = model.weights;
  const scale = new Float32Array(stride);
  for (let i = 0; i < W.length; i++) {
    const c = i % stride;
    const a = Math.abs(W[i]!);
    if (a > scale[c]!) scale[c] = a;
  }
  for (let c = 0; c < stride; c++) scale[c] = scale[c]! > 0 ? scale[c]! / 127 : 1;
  const q = new Int8Array(W.length);
  for (let i = 0; i < W.length; i++) q[i] = Math.round(W[i]! / scale[i % stride]!);
  return { stride, q, scale, tokens: new Map(), gramColumns: gramColumns(model) };
}

/** Re-quantises cells `learn` changed; a value beyond its column's range drops the packed copy. */
function repack(model: TextModel, ids: readonly Int32Array[], column: number, k: number): void {
  const old = model.packed;
  if (!old || old.stride !== model.stride) { model.packed = undefined; return; }
  // A new identity with an empty token map: every cached per-token sum (here and in the
  // tokens' own slots, which name the packed copy they belong to) is now stale.
  const p: PackedWeights = { ...old, tokens: new Map() };
  model.packed = p;
  for (const list of ids) {
    for (const id of list) {
      for (let j = 0; j < k; j++) {
        const i = id * p.stride + column + j;
        const v = Math.round(model.weights[i]! / p.scale[column + j]!);
        if (v > 127 || v < -127) { model.packed = undefined; return; }
        p.q[i] = v;
      }
    }
  }
}

/** Column sums over a post's features, for all tasks at once. Reused buffer: screening is synchronous. */
let sums = new Int32Array(16);

/** Which columns belong to tasks that read character grams (rebuilt with the packed copy). */
function gramColumns(model: TextModel): Uint8Array {
  const cols = new Uint8Array(model.stride);
  for (const t of TEXT_TASKS) {
    const task = model.tasks[t];
    if (task?.charGrams) cols.fill(1, task.column, task.column + task.labels.length);
  }
  return cols;
}

function tokenSums(model: TextModel, p: PackedWeights, token: string, info: TokenInfo): TokenSums {
  const mask = (1 << model.bits) - 1;
  const stride = p.stride;
  const sums = new Int32Array(stride);
  const q = p.q;
  let o: number;
  const own = tokenWordIds(info, mask);
  for (const id of own) {
    o = id * stride;
    for (let c = 0; c < stride; c++) sums[c]! += q[o + c]!;
  }
  let gramCount = 0;
  if (needsGrams(model)) {
    const cols = p.gramColumns;
    for (const id of tokenGramIds(token, model.bits)) {
      o = id * stride;
      for (let c = 0; c < stride; c++) if (cols[c] === 1) sums[c]! += q[o + c]!;
      gramCount++;
    }
  }
  const t = { sums, words: own.length, gramCount };
  if (p.tokens.size >= TOKEN_SUMS_LIMIT) p.tokens.clear();
  p.tokens.set(token, t);
  info.scoresFor = p;
  info.scores = t;
  return t;
}

/** Sums every column over a post's features; returns the feature counts the scores divide by. */
function accumulate(model: TextModel, post: PostTokens): { p: PackedWeights; words: number; grams: number } {
  const p = (model.packed ??= pack(model));
  const stride = p.stride;
  if (sums.length < stride) sums = new Int32Array(stride * 2);
  // A local reference: the loops below are the hottest of screening.
  const sw = sums;
  sw.fill(0, 0, stride);
  const cache = p.tokens;
  let words = 0;
  let gramCount = 0;
  const toks = post.tokens;
  for (let i = 0; i < toks.length; i++) {
    const info = post.infos[i]!;
    // The token's own slot first (no look-up), then the packed copy's map (after a relearn).
    const t = (info.scoresFor === p ? info.scores : undefined) ?? cache.get(toks[i]!) ?? tokenSums(model, p, toks[i]!, info);
    const ts = t.sums;
    for (let c = 0; c < stride; c++) sw[c]! += ts[c]!;
    words += t.words;
    gramCount += t.gramCount;
  }
  const q = p.q;
  for (const id of postLevelIds(post, model.bits)) {
    const o = id * stride;
    for (let c = 0; c < stride; c++) sw[c]! += q[o + c]!;
    words++;
  }
  return { p, words, grams: gramCount };
}

/** Raw scores of one task from the sums `accumulate` left. */
function taskScores(task: TaskModel, a: { p: PackedWeights; words: number; grams: number }): Float64Array {
  const k = task.labels.length;
  const v = 1 / Math.sqrt(Math.max(1, a.words + (task.charGrams ? a.grams : 0)));
  const s = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const c = task.column + j;
    s[j] = sums[c]! * a.p.scale[c]! * v + task.bias[j]!;
  }
  return s;
}

/** The id lists a task reads for a post. */
const idsFor = (task: TaskModel, f: PostFeatures): Int32Array[] => (task.charGrams && f.grams ? [f.words, f.grams] : [f.words]);

/** Scores of one task only, reading just its columns (training and learning). */
function directScores(model: TextModel, task: TaskModel, ids: Int32Array[], v: number): Float64Array {
  const k = task.labels.length;
  const stride = model.stride;
  const W = model.weights;
  const s = new Float64Array(k);
  for (const list of ids) {
    for (const id of list) {
      const o = id * stride + task.column;
      for (let j = 0; j < k; j++) s[j]! += W[o + j]!;
    }
  }
  for (let j = 0; j < k; j++) s[j] = s[j]! * v + task.bias[j]!;
  return s;
}

const scale = (ids: Int32Array[]): number => 1 / Math.sqrt(Math.max(1, ids.reduce((n, a) => n + a.length, 0)));

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

/** Predicts every task the model has, from an already tokenised post. */
export function predictTokens(model: TextModel, post: PostTokens): TextPredictions {
  const out: TextPredictions = {};
  if (model.stride === 0) return out;
  const a = accumulate(model, post);
  for (const name of TEXT_TASKS) {
    const task = model.tasks[name];
    if (task && task.labels.length > 0) out[name] = decide(task, taskScores(task, a));
  }
  return out;
}

/** Predicts every task the model has. */
export function predictText(model: TextModel, text: string): TextPredictions {
  return predictTokens(model, tokenizePost(text));
}

/** Inserts `count` zero columns at `at` in every row of the table (a new label or task). */
function widen(model: TextModel, at: number, count: number): void {
  const rows = 1 << model.bits;
  const old = model.stride;
  const next = old + count;
  const W = new Float32Array(rows * next);
  const src = model.weights;
  if (old > 0) {
    for (let r = 0; r < rows; r++) {
      const a = r * old;
      const b = r * next;
      for (let c = 0; c < at; c++) W[b + c] = src[a + c]!;
      for (let c = at; c < old; c++) W[b + c + count] = src[a + c]!;
    }
  }
  model.weights = W;
  model.stride = next;
  model.packed = undefined;
  for (const t of TEXT_TASKS) {
    const task = model.tasks[t];
    if (task && task.column >= at && !(task.labels.length === 0 && task.column === at)) task.column += count;
  }
}

function ensureTask(model: TextModel, name: TextTask, charGrams: boolean): TaskModel {
  const existing = model.tasks[name];
  if (existing) return existing;
  const task: TaskModel = { labels: [], charGrams, column: model.stride, bias: new Float32Array(0), offsets: new Float32Array(0), seen: [] };
  model.tasks[name] = task;
  return task;
}

function addLabel(model: TextModel, task: TaskModel, label: string): number {
  const i = task.labels.indexOf(label);
  if (i >= 0) return i;
  // A label the model never saw (a team added a topic): one more column for it.
  const k = task.labels.length;
  widen(model, task.column + k, 1);
  const grow = (a: Float32Array): Float32Array => { const b = new Float32Array(k + 1); b.set(a); return b; };
  task.bias = grow(task.bias);
  task.offsets = grow(task.offsets);
  task.labels.push(label);
  task.seen.push(0);
  return k;
}

/** Step size of an online correction; features are L2-normalised, so 1 moves a score by about 1. */
const LEARN_RATE = 1;
const LEARN_BIAS_RATE = 0.05;
const LEARN_MAX_STEPS = 25;
/**
 * A correction is done when the corrected label leads every other label (or zero, when
 * it is the only one) by this much in the decision (about a 2.7:1 odds lead): enough that a post written a little differently
 * (a "?" more, a word less) gets the corrected label too.
 */
const LEARN_MARGIN = 1;

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
    const task = ensureTask(model, name, name === 'topic');
    const target = addLabel(model, task, label);
    task.seen[target]! += 1;
    const ids = idsFor(task, featuresOf(model, post, task.charGrams));
    const k = task.labels.length;
    const stride = model.stride;
    const W = model.weights;
    const v = scale(ids);
    for (let s = 0; s < LEARN_MAX_STEPS; s++) {
      const sc = directScores(model, task, ids, v);
      // The rival is the best other label, or "none of them" (score 0) when it is alone.
      let rival = k === 1 ? 0 : -Infinity;
      for (let j = 0; j < k; j++) if (j !== target) rival = Math.max(rival, sc[j]! + task.offsets[j]!);
      if (sc[target]! + task.offsets[target]! - rival >= LEARN_MARGIN) break;
      for (let j = 0; j < k; j++) {
        const g = sigmoid(sc[j]!) - (j === target ? 1 : 0);
        task.bias[j]! -= LEARN_BIAS_RATE * g;
        const step = LEARN_RATE * g * v;
        const c = task.column + j;
        for (const list of ids) for (const id of list) W[id * stride + c]! -= step;
      }
    }
    repack(model, ids, task.column, k);
  }
  return model;
}

/**
 * One labelled row for training. `weight` (0..1] can carry the labellers' confidence,
 * for all tasks or per task (a topic label is often less sure than the sentiment).
 */
export interface TrainingExample {
  text: string;
  labels: TextLabels;
  weight?: number | Partial<Record<TextTask, number>>;
}

const weightOf = (e: TrainingExample, task: TextTask): number => {
  const w = typeof e.weight === 'number' ? e.weight : e.weight?.[task];
  return w === undefined || !(w > 0) ? 1 : Math.min(1, w);
};

export interface TrainOptions {
  epochs?: number;
  /** Seed for the shuffles and the tuning split, so training is reproducible. */
  seed?: number;
  topicGroups?: Record<string, string>;
  /** Character n-grams per task; by default only for topics. */
  charGrams?: Partial<Record<TextTask, boolean>>;
  /** Tune per-label decision offsets for macro-F1 on a held-out fifth (default true). */
  tuneOffsets?: boolean;
  /** Size of the feature hash space, 2^bits (default `MODEL_BITS`). */
  bits?: number;
  /** AdaGrad step size (default 0.3) and L2 penalty (default 1e-4). */
  rate?: number;
  l2?: number;
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

interface FitOptions { epochs: number; rate: number; l2: number }

/**
 * Fits one-vs-rest logistic regression with AdaGrad. Each label's positives are weighted
 * by √(negatives/positives): rare labels get heard without flooding the common one.
 */
function fit(
  model: TextModel, task: TaskModel, X: Int32Array[][], y: number[], w: number[], rows: number[], opts: FitOptions, rnd: () => number,
): void {
  const { epochs, rate, l2 } = opts;
  const k = task.labels.length;
  const stride = model.stride;
  const W = model.weights;
  const G = new Float32Array((1 << model.bits) * k);
  const Gb = new Float64Array(k);
  const count = new Array<number>(k).fill(0);
  for (const i of rows) count[y[i]!]! += 1;
  const posWeight = count.map((c) => (c > 0 ? Math.sqrt((rows.length - c) / c) : 1));
  const order = [...rows];
  for (let e = 0; e < epochs; e++) {
    shuffle(order, rnd);
    for (const i of order) {
      const ids = X[i]!;
      const v = scale(ids);
      const s = directScores(model, task, ids, v);
      for (let j = 0; j < k; j++) {
        const yes = y[i] === j;
        const g = (sigmoid(s[j]!) - (yes ? 1 : 0)) * w[i]! * (yes ? posWeight[j]! : 1);
        Gb[j]! += g * g;
        task.bias[j]! -= (rate * g) / Math.sqrt(Gb[j]! + 1e-8);
        const gv = g * v;
        const c = task.column + j;
        for (const list of ids) {
          for (const id of list) {
            const o = id * stride + c;
            const a = id * k + j;
            const gf = gv + l2 * W[o]!;
            G[a]! += gf * gf;
            W[o]! -= (rate * gf) / Math.sqrt(G[a]! + 1e-8);
          }
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
  const fitOpts: FitOptions = { epochs: opts.epochs ?? 5, rate: opts.rate ?? TRAIN_RATE, l2: opts.l2 ?? TRAIN_L2 };
  const model = emptyTextModel(opts.bits ?? MODEL_BITS);
  model.topicGroups = { ...(opts.topicGroups ?? {}) };
  const posts = examples.map((e) => tokenizePost(e.text));
  const plan = TEXT_TASKS.map((name) => {
    const rows = examples.map((_, i) => i).filter((i) => (examples[i]!.labels[name] ?? '') !== '');
    const labels = [...new Set(rows.map((i) => examples[i]!.labels[name]!))].sort();
    return { name, rows, labels, charGrams: opts.charGrams?.[name] ?? name === 'topic' };
  }).filter((p) => p.rows.length > 0);
  if (plan.length === 0) return model;
  // Lay the table out once, every task's columns side by side.
  for (const p of plan) {
    const task = ensureTask(model, p.name, p.charGrams);
    task.column = model.stride;
    task.labels = [...p.labels];
    task.bias = new Float32Array(p.labels.length);
    task.offsets = new Float32Array(p.labels.length);
    task.seen = p.labels.map(() => 0);
    model.stride += p.labels.length;
  }
  model.weights = new Float32Array((1 << model.bits) * model.stride);
  const words = posts.map((p) => wordFeatureIds(p, model.bits));
  const grams = plan.some((p) => p.charGrams) ? posts.map((p) => charGramIds(p, model.bits)) : undefined;
  for (const p of plan) {
    const task = model.tasks[p.name]!;
    const X = posts.map((_, i) => (p.charGrams && grams ? [words[i]!, grams[i]!] : [words[i]!]));
    const y = examples.map((e) => p.labels.indexOf(e.labels[p.name] ?? ''));
    const weights = examples.map((e) => weightOf(e, p.name));
    const rnd = seededRandom(opts.seed ?? 1);
    if ((opts.tuneOffsets ?? true) && p.labels.length > 1 && p.rows.length >= 200) {
      const order = [...p.rows];
      shuffle(order, rnd);
      const cut = Math.floor(order.length * 0.8);
      // A throw-away model of this task alone, fitted on four fifths, scored on the rest.
      const probe = emptyTextModel(model.bits);
      const pt = ensureTask(probe, p.name, p.charGrams);
      pt.labels = [...p.labels];
      pt.bias = new Float32Array(p.labels.length);
      pt.offsets = new Float32Array(p.labels.length);
      pt.seen = p.labels.map(() => 0);
      probe.stride = p.labels.length;
      probe.weights = new Float32Array((1 << probe.bits) * probe.stride);
      fit(probe, pt, X, y, weights, order.slice(0, cut), fitOpts, rnd);
      const held = order.slice(cut);
      task.offsets = tuneOffsets(held.map((i) => directScores(probe, pt, X[i]!, scale(X[i]!))), held.map((i) => y[i]!), p.labels.length);
    }
    fit(model, task, X, y, weights, p.rows, fitOpts, rnd);
    for (const i of p.rows) task.seen[y[i]!]! += 1;
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
    const rowsN = 1 << model.bits;
    const stride = model.stride;
    const W = model.weights;
    const at = (f: number, j: number): number => W[f * stride + task.column + j]!;
    let max = 0;
    for (let f = 0; f < rowsN; f++) for (let j = 0; j < k; j++) max = Math.max(max, Math.abs(at(f, j)));
    const scale = max > 0 ? max / 32767 : 1;
    const gaps: number[] = [];
    const vals: number[] = [];
    let last = -1;
    for (let f = 0; f < rowsN; f++) {
      let keep = false;
      for (let j = 0; j < k; j++) if (Math.abs(at(f, j)) > SAVE_EPSILON) { keep = true; break; }
      if (!keep) continue;
      let gap = f - last;
      last = f;
      while (gap >= 0x80) { gaps.push((gap & 0x7f) | 0x80); gap >>>= 7; }
      gaps.push(gap);
      for (let j = 0; j < k; j++) vals.push(Math.round(at(f, j) / scale));
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
  const model = emptyTextModel(bits);
  model.topicGroups = { ...(j.topicGroups ?? {}) };
  const present = TEXT_TASKS.filter((name) => j.tasks?.[name]);
  for (const name of present) {
    const t = j.tasks![name]!;
    const k = Array.isArray(t.labels) ? t.labels.length : 0;
    const bad = (what: string): never => { throw new TextModelInvalidError(`task "${name}": ${what}`); };
    if (k === 0) bad('no labels');
    if (!Array.isArray(t.bias) || t.bias.length !== k) bad('"bias" does not match the labels');
    if (typeof t.rows !== 'string' || typeof t.weights !== 'string' || typeof t.scale !== 'number') bad('missing weights');
    const task = ensureTask(model, name, t.charGrams === true);
    task.column = model.stride;
    task.labels = t.labels.map(String);
    model.stride += k;
  }
  model.weights = new Float32Array((1 << bits) * model.stride);
  for (const name of present) {
    const t = j.tasks![name]!;
    const task = model.tasks[name]!;
    const k = task.labels.length;
    const bad = (what: string): never => { throw new TextModelInvalidError(`task "${name}": ${what}`); };
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
      for (let jj = 0; jj < k; jj++) model.weights[f * model.stride + task.column + jj] = vals[r * k + jj]! * t.scale;
      r++;
    }
    if (r * k !== vals.length) bad('more weights than rows');
  }
  return model;
}
