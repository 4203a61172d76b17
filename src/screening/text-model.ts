import { charGramIds, postLevelIds, tokenGramIds, tokenWordIds, wordFeatureIds } from './text-features.js';
import { seededRandom } from '../domain/seeded-random.js';
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
  /** The second stage: what every task's scores add to this task's (absent: nothing). */
  stack?: TaskStack | undefined;
}

/**
 * A task's second stage. A post scored negative is rarely routed as "no topic", one
 * scored as a bag complaint is rarely positive: each label's decision adds a weighted sum
 * of every task's scores (its own task's too) to its own score. `from[u]` is `k × k_u`,
 * row-major; trained on cross-fitted scores (see `trainTextModel`).
 */
export interface TaskStack {
  from: Partial<Record<TextTask, Float32Array>>;
  bias: Float32Array;
}

/** A task's scores after its second stage, from every task's own scores. */
function stackedScores(task: TaskModel, name: TextTask, base: Partial<Record<TextTask, Float64Array>>): Float64Array {
  const own = base[name]!;
  const st = task.stack;
  if (!st) return own;
  const k = own.length;
  const out = Float64Array.from(own);
  for (let j = 0; j < k && j < st.bias.length; j++) out[j]! += st.bias[j]!;
  for (const u of TEXT_TASKS) {
    const A = st.from[u];
    const z = base[u];
    if (!A || !z) continue;
    // Labels added by learning after training have no second-stage weights (zero).
    const ku = A.length / st.bias.length;
    for (let j = 0; j < k && j < st.bias.length; j++) for (let i = 0; i < ku && i < z.length; i++) out[j]! += A[j * ku + i]! * z[i]!;
  }
  return out;
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
  /** Every task's second stage as one `stride × stride` matrix over the columns, and a bias per column. */
  stack: { m: Float32Array; b: Float32Array } | undefined;
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
  return { stride, q, scale, tokens: new Map(), gramColumns: gramColumns(model), stack: denseStack(model) };
}

/** The tasks' second stages laid out over the table's columns (prediction reads them in one pass). */
function denseStack(model: TextModel): PackedWeights['stack'] {
  const stride = model.stride;
  if (!TEXT_TASKS.some((t) => model.tasks[t]?.stack)) return undefined;
  const m = new Float32Array(stride * stride);
  const b = new Float32Array(stride);
  for (const t of TEXT_TASKS) {
    const task = model.tasks[t];
    const st = task?.stack;
    if (!task || !st) continue;
    for (let j = 0; j < task.labels.length && j < st.bias.length; j++) {
      const row = task.column + j;
      b[row] = st.bias[j]!;
      for (const u of TEXT_TASKS) {
        const A = st.from[u];
        const src = model.tasks[u];
        if (!A || !src) continue;
        const ku = A.length / st.bias.length;
        for (let i = 0; i < ku && i < src.labels.length; i++) m[row * stride + src.column + i] = A[j * ku + i]!;
      }
    }
  }
  return { m, b };
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

/** Scores per column, before and after the second stage. Reused buffers: screening is synchronous. */
let raw = new Float64Array(16);
let fin = new Float64Array(16);

/** Raw scores of one task, into its columns of `raw`, from the sums `accumulate` left. */
function taskScores(task: TaskModel, a: { p: PackedWeights; words: number; grams: number }): void {
  const k = task.labels.length;
  const v = 1 / Math.sqrt(Math.max(1, a.words + (task.charGrams ? a.grams : 0)));
  for (let j = 0; j < k; j++) {
    const c = task.column + j;
    raw[c] = sums[c]! * a.p.scale[c]! * v + task.bias[j]!;
  }
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

/** The decision from a task's scores, `s[at … at + k - 1]`. */
function decide(task: TaskModel, s: Float64Array, at = 0): Prediction {
  let best = 0;
  let bestScore = -Infinity;
  let total = 0;
  for (let j = 0; j < task.labels.length; j++) {
    total += sigmoid(s[at + j]!);
    const d = s[at + j]! + task.offsets[j]!;
    if (d > bestScore) { bestScore = d; best = j; }
  }
  return { label: task.labels[best]!, confidence: total > 0 ? sigmoid(s[at + best]!) / total : 0 };
}

/** Predicts every task the model has, from an already tokenised post. */
export function predictTokens(model: TextModel, post: PostTokens): TextPredictions {
  const out: TextPredictions = {};
  if (model.stride === 0) return out;
  const a = accumulate(model, post);
  const stride = a.p.stride;
  if (raw.length < stride) { raw = new Float64Array(stride * 2); fin = new Float64Array(stride * 2); }
  for (const name of TEXT_TASKS) {
    const task = model.tasks[name];
    if (task && task.labels.length > 0) taskScores(task, a);
  }
  // The second stage: every column's score plus what all columns' scores add to it.
  let s = raw;
  const st = a.p.stack;
  if (st) {
    for (let r = 0; r < stride; r++) {
      let x = raw[r]! + st.b[r]!;
      const o = r * stride;
      for (let c = 0; c < stride; c++) x += st.m[o + c]! * raw[c]!;
      fin[r] = x;
    }
    s = fin;
  }
  for (const name of TEXT_TASKS) {
    const task = model.tasks[name];
    if (task && task.labels.length > 0) out[name] = decide(task, s, task.column);
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
  growStacks(model, task, k);
  task.labels.push(label);
  task.seen.push(0);
  return k;
}

/** A label was added to `task` (it had `k`): every second stage gets a zero weight for it. */
function growStacks(model: TextModel, task: TaskModel, k: number): void {
  const name = TEXT_TASKS.find((t) => model.tasks[t] === task)!;
  // A column in every stage that reads this task's scores…
  for (const t of TEXT_TASKS) {
    const st = model.tasks[t]?.stack;
    const A = st?.from[name];
    if (!st || !A) continue;
    const rows = st.bias.length;
    const B = new Float32Array(rows * (k + 1));
    for (let r = 0; r < rows; r++) for (let c = 0; c < k; c++) B[r * (k + 1) + c] = A[r * k + c]!;
    st.from[name] = B;
  }
  // …and a row in this task's own stage.
  const st = task.stack;
  if (!st) return;
  for (const u of TEXT_TASKS) {
    const A = st.from[u];
    if (!A) continue;
    const B = new Float32Array((A.length / k) * (k + 1));
    B.set(A);
    st.from[u] = B;
  }
  const b = new Float32Array(k + 1);
  b.set(st.bias);
  st.bias = b;
}

/** Step size of an online correction; features are L2-normalised, so 1 moves a score by about 1. */
const LEARN_RATE = 1;
const LEARN_BIAS_RATE = 0.05;
/**
 * One logistic-regression step per label. Stepping on until the post gets its label with
 * a margin (tried: up to 25 steps) memorises each label: on the airline benchmark's
 * stream of 9,300 labels that ended at 0.769 sentiment accuracy and dipped on the way
 * (0.711, 0.738, 0.715 after 100, 500, 2,000); one step learns steadily (0.729, 0.753,
 * 0.762, 0.790). Near-identical posts get staff's labels from the correction memory
 * (correction-memory.ts) instead.
 */
const LEARN_MAX_STEPS = 1;
/** No step once the label leads every other (or zero, when it is alone) by this much (about 2.7:1 odds). */
const LEARN_MARGIN = 1;

/**
 * Online learning from one staff decision (a re-route, a corrected tag, an ignore).
 * Updates `model` in place and returns it: one gradient step towards the label (none when
 * the model already gives it with a margin), so other posts move only as far as they share
 * features with it. A label the model never saw gets its own column.
 */
export function learn(model: TextModel, text: string, labels: TextLabels): TextModel {
  const post = tokenizePost(text);
  const f = featuresOf(model, post, true);
  const todo: Array<[TextTask, string]> = [];
  for (const name of TEXT_TASKS) {
    const label = labels[name];
    if (label === undefined || label === '') continue;
    const task = ensureTask(model, name, name === 'topic');
    task.seen[addLabel(model, task, label)]! += 1;
    todo.push([name, label]);
  }
  for (const [name, label] of todo) correct(model, name, label, f);
  // With a second stage, a task's decision reads the others' scores, which the later
  // corrections moved: one more round settles every corrected decision.
  if (todo.length > 1 && todo.some(([name]) => model.tasks[name]!.stack)) for (const [name, label] of todo) correct(model, name, label, f);
  return model;
}

/** Steps one task's weights until the post gets `label` with a margin (see `learn`). */
function correct(model: TextModel, name: TextTask, label: string, f: PostFeatures): void {
  const task = model.tasks[name]!;
  const target = task.labels.indexOf(label);
  const ids = idsFor(task, f);
  const k = task.labels.length;
  const stride = model.stride;
  const W = model.weights;
  const v = scale(ids);
  // The other tasks' scores do not change here; the second stage reads them.
  const base: Partial<Record<TextTask, Float64Array>> = {};
  if (task.stack) {
    for (const u of TEXT_TASKS) {
      const t = model.tasks[u];
      if (t && u !== name && t.labels.length > 0) base[u] = directScores(model, t, idsFor(t, f), scale(idsFor(t, f)));
    }
  }
  const own = task.stack?.from[name];
  const gb = new Float64Array(k);
  for (let s = 0; s < LEARN_MAX_STEPS; s++) {
    base[name] = directScores(model, task, ids, v);
    const sc = stackedScores(task, name, base);
    // The rival is the best other label, or "none of them" (score 0) when it is alone.
    let rival = k === 1 ? 0 : -Infinity;
    for (let j = 0; j < k; j++) if (j !== target) rival = Math.max(rival, sc[j]! + task.offsets[j]!);
    if (sc[target]! + task.offsets[target]! - rival >= LEARN_MARGIN) break;
    // The gradient of the decision's loss on the task's own scores (through its second stage).
    for (let j = 0; j < k; j++) gb[j] = sigmoid(sc[j]!) - (j === target ? 1 : 0);
    if (own && own.length === k * k) {
      const g0 = Float64Array.from(gb);
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) gb[i]! += own[j * k + i]! * g0[j]!;
    }
    for (let j = 0; j < k; j++) {
      const g = gb[j]!;
      task.bias[j]! -= LEARN_BIAS_RATE * g;
      const step = LEARN_RATE * g * v;
      const c = task.column + j;
      for (const list of ids) for (const id of list) W[id * stride + c]! -= step;
    }
  }
  repack(model, ids, task.column, k);
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
  /** Share of a row's features left out at each training step (default 0.4; 0 for none). */
  dropout?: number;
  /**
   * Train the second stage, each task reading every task's scores (default true; needs two
   * tasks of 500+ rows each). Training then fits the model four more times (cross-fitting).
   */
  stack?: boolean;
}

/** Training must be reproducible run to run: shuffles and splits use a seeded PRNG. */
export { seededRandom };

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
 * Share of a row's features left out at each step of training (a different share each
 * time). The model cannot lean on one word that happened to fit the labels, which
 * helped the rare routing groups most on the airline benchmark (0.2–0.5 all helped).
 */
const TRAIN_DROPOUT = 0.4;

interface FitOptions { epochs: number; rate: number; l2: number; dropout: number }

/**
 * Fits one-vs-rest logistic regression with AdaGrad. Each label's positives are weighted
 * by √(negatives/positives): rare labels get heard without flooding the common one.
 */
function fit(
  model: TextModel, task: TaskModel, X: Int32Array[][], y: number[], w: number[], rows: number[], opts: FitOptions, rnd: () => number,
): void {
  const { epochs, rate, l2, dropout } = opts;
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
      // Dropout: the row without some of its features, scaled as the whole row is.
      const ids = dropout > 0 ? X[i]!.map((l) => l.filter(() => rnd() >= dropout)) : X[i]!;
      const v = scale(X[i]!);
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

interface TaskPlan { name: TextTask; rows: number[]; labels: string[]; charGrams: boolean; X: Int32Array[][]; y: number[]; w: number[] }

/** Lays the tasks' columns out side by side in a fresh table of `model`. */
function layOut(model: TextModel, plan: readonly TaskPlan[]): void {
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
}

/** Folds of the cross-fitting that trains the second stage: each row is scored by a model that never saw it. */
const STACK_FOLDS = 4;
/** Fewer labelled rows than this: no second stage (its weights would fit noise). */
const STACK_MIN_ROWS = 500;

/** Trains a model from labelled examples; rows without a label for a task are skipped for it. */
export function trainTextModel(examples: readonly TrainingExample[], opts: TrainOptions = {}): TextModel {
  const fitOpts: FitOptions = { epochs: opts.epochs ?? 5, rate: opts.rate ?? TRAIN_RATE, l2: opts.l2 ?? TRAIN_L2, dropout: opts.dropout ?? TRAIN_DROPOUT };
  const model = emptyTextModel(opts.bits ?? MODEL_BITS);
  model.topicGroups = { ...(opts.topicGroups ?? {}) };
  const posts = examples.map((e) => tokenizePost(e.text));
  const words = posts.map((p) => wordFeatureIds(p, model.bits));
  const anyGrams = TEXT_TASKS.some((name) => opts.charGrams?.[name] ?? name === 'topic');
  const grams = anyGrams ? posts.map((p) => charGramIds(p, model.bits)) : undefined;
  const plan: TaskPlan[] = TEXT_TASKS.map((name) => {
    const rows = examples.map((_, i) => i).filter((i) => (examples[i]!.labels[name] ?? '') !== '');
    const labels = [...new Set(rows.map((i) => examples[i]!.labels[name]!))].sort();
    const charGrams = opts.charGrams?.[name] ?? name === 'topic';
    return {
      name, rows, labels, charGrams,
      X: posts.map((_, i) => (charGrams && grams ? [words[i]!, grams[i]!] : [words[i]!])),
      y: examples.map((e) => labels.indexOf(e.labels[name] ?? '')),
      w: examples.map((e) => weightOf(e, name)),
    };
  }).filter((p) => p.rows.length > 0);
  if (plan.length === 0) return model;
  layOut(model, plan);
  const tune = opts.tuneOffsets ?? true;
  const stack = (opts.stack ?? true) && plan.length > 1 && plan.every((p) => p.rows.length >= STACK_MIN_ROWS);
  if (stack) {
    // Cross-fitting: every row's scores from a model trained on the other folds, so the
    // second stage learns how far to trust scores on posts the model has not seen.
    const rnd = seededRandom((opts.seed ?? 1) + 7919);
    const fold = examples.map(() => Math.floor(rnd() * STACK_FOLDS));
    const oof: Partial<Record<TextTask, Float64Array[]>> = {};
    for (const p of plan) oof[p.name] = new Array<Float64Array>(examples.length);
    for (let f = 0; f < STACK_FOLDS; f++) {
      const m = emptyTextModel(model.bits);
      layOut(m, plan);
      for (const p of plan) {
        const t = m.tasks[p.name]!;
        fit(m, t, p.X, p.y, p.w, p.rows.filter((i) => fold[i] !== f), fitOpts, seededRandom((opts.seed ?? 1) + f));
        for (let i = 0; i < examples.length; i++) if (fold[i] === f) oof[p.name]![i] = directScores(m, t, p.X[i]!, scale(p.X[i]!));
      }
    }
    for (const p of plan) {
      const task = model.tasks[p.name]!;
      task.stack = fitStack(p, plan, oof);
      if (tune && p.labels.length > 1) {
        const base = (i: number): Partial<Record<TextTask, Float64Array>> => Object.fromEntries(plan.map((q) => [q.name, oof[q.name]![i]!]));
        task.offsets = tuneOffsets(p.rows.map((i) => stackedScores(task, p.name, base(i))), p.rows.map((i) => p.y[i]!), p.labels.length);
      }
    }
  }
  for (const p of plan) {
    const task = model.tasks[p.name]!;
    const rnd = seededRandom(opts.seed ?? 1);
    if (!stack && tune && p.labels.length > 1 && p.rows.length >= 200) {
      const order = [...p.rows];
      shuffle(order, rnd);
      const cut = Math.floor(order.length * 0.8);
      // A throw-away model of this task alone, fitted on four fifths, scored on the rest.
      const probe = emptyTextModel(model.bits);
      layOut(probe, [p]);
      const pt = probe.tasks[p.name]!;
      fit(probe, pt, p.X, p.y, p.w, order.slice(0, cut), fitOpts, rnd);
      const held = order.slice(cut);
      task.offsets = tuneOffsets(held.map((i) => directScores(probe, pt, p.X[i]!, scale(p.X[i]!))), held.map((i) => p.y[i]!), p.labels.length);
    }
    fit(model, task, p.X, p.y, p.w, p.rows, fitOpts, rnd);
    for (const i of p.rows) task.seen[p.y[i]!]! += 1;
  }
  return model;
}

/** Ridge penalty of the second stage and its (full-batch, Adam) optimisation. */
const STACK_L2 = 1e-3;
const STACK_STEPS = 300;
const STACK_RATE = 0.05;

/**
 * Fits one task's second stage on cross-fitted scores: per label, a weighted logistic
 * regression (labels weighted as in `fit`) whose input is every task's scores, added to
 * the task's own score. The own score keeps a weight of 1 on top, so a second stage near
 * zero changes nothing and online learning moves the decision as it moves the score.
 */
function fitStack(p: TaskPlan, inputs: readonly TaskPlan[], oof: Partial<Record<TextTask, Float64Array[]>>): TaskStack {
  const k = p.labels.length;
  const d = inputs.reduce((n, q) => n + q.labels.length, 0) + 1;
  const n = p.rows.length;
  // Inputs per row: every task's scores, then 1.
  const Z = new Float64Array(n * d);
  const own = p.rows.map((i) => oof[p.name]![i]!);
  p.rows.forEach((i, r) => {
    let c = 0;
    for (const q of inputs) for (const v of oof[q.name]![i]!) Z[r * d + c++] = v;
    Z[r * d + c] = 1;
  });
  const count = new Array<number>(k).fill(0);
  for (const i of p.rows) count[p.y[i]!]! += 1;
  const posWeight = count.map((c) => (c > 0 ? Math.sqrt((n - c) / c) : 1));
  const A = new Float64Array(k * d);
  const m1 = new Float64Array(k * d);
  const m2 = new Float64Array(k * d);
  const grad = new Float64Array(k * d);
  let wsum = 0;
  for (const i of p.rows) wsum += p.w[i]!;
  for (let t = 1; t <= STACK_STEPS; t++) {
    grad.fill(0);
    for (let r = 0; r < n; r++) {
      const i = p.rows[r]!;
      for (let j = 0; j < k; j++) {
        let s = own[r]![j]!;
        for (let c = 0; c < d; c++) s += A[j * d + c]! * Z[r * d + c]!;
        const yes = p.y[i] === j;
        const g = ((sigmoid(s) - (yes ? 1 : 0)) * p.w[i]! * (yes ? posWeight[j]! : 1)) / wsum;
        for (let c = 0; c < d; c++) grad[j * d + c]! += g * Z[r * d + c]!;
      }
    }
    for (let a = 0; a < k * d; a++) {
      const g = grad[a]! + (a % d === d - 1 ? 0 : STACK_L2 * A[a]!);
      m1[a] = 0.9 * m1[a]! + 0.1 * g;
      m2[a] = 0.999 * m2[a]! + 0.001 * g * g;
      A[a]! -= (STACK_RATE * (m1[a]! / (1 - 0.9 ** t))) / (Math.sqrt(m2[a]! / (1 - 0.999 ** t)) + 1e-8);
    }
  }
  const from: TaskStack['from'] = {};
  let c0 = 0;
  for (const q of inputs) {
    const ku = q.labels.length;
    const a = new Float32Array(k * ku);
    for (let j = 0; j < k; j++) for (let c = 0; c < ku; c++) a[j * ku + c] = A[j * d + c0 + c]!;
    from[q.name] = a;
    c0 += ku;
  }
  const bias = new Float32Array(k);
  for (let j = 0; j < k; j++) bias[j] = A[j * d + d - 1]!;
  return { from, bias };
}

/** The JSON form of a model file. */
export interface TextModelJson {
  format: 'earshot-text-model';
  /** 2 when a task has a second stage (`stack`), which version 1 readers would ignore; else 1. */
  version: 1 | 2;
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
    /** The second stage: per input task, `k × k_u` weights, row-major; a bias per label. */
    stack?: { from: Partial<Record<TextTask, number[]>>; bias: number[] };
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
      ...(task.stack ? {
        stack: {
          from: Object.fromEntries(Object.entries(task.stack.from).map(([u, a]) => [u, [...a].map(round6)])),
          bias: [...task.stack.bias].map(round6),
        },
      } : {}),
    };
  }
  const version = TEXT_TASKS.some((t) => model.tasks[t]?.stack) ? 2 : 1;
  return { format: 'earshot-text-model', version, bits: model.bits, topicGroups: { ...model.topicGroups }, tasks };
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
  if (j.version !== 1 && j.version !== 2) {
    throw new TextModelInvalidError(`version ${String(j.version)} is not one this Earshot reads (1 or 2): upgrade Earshot or make the file again with \`earshot train\``);
  }
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
  for (const name of present) {
    const st = j.tasks![name]!.stack;
    if (st === undefined) continue;
    const task = model.tasks[name]!;
    const k = task.labels.length;
    const bad = (what: string): never => { throw new TextModelInvalidError(`task "${name}": second stage ${what}`); };
    if (!st || typeof st !== 'object' || !Array.isArray(st.bias) || st.bias.length !== k) bad('"bias" does not match the labels');
    const from: TaskStack['from'] = {};
    for (const [u, a] of Object.entries(st.from ?? {})) {
      const src = model.tasks[u as TextTask];
      if (!src) bad(`reads task "${u}", which the file does not have`);
      if (!Array.isArray(a) || a.length !== k * src!.labels.length || a.some((x) => typeof x !== 'number')) bad(`weights for "${u}" do not match the labels`);
      from[u as TextTask] = Float32Array.from(a!);
    }
    task.stack = { from, bias: Float32Array.from(st.bias) };
  }
  return model;
}
