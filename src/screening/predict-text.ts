/** Prediction: every task's scores for a post from the packed weights, in one pass over its features. */
import { postLevelIds, tokenGramIds, tokenWordIds } from './text-features.js';
import type { TokenInfo } from './token-info.js';
import { tokenizePost, type PostTokens } from './tokenize-post.js';
import { pack } from './packed-weights.js';
import { needsGrams, sigmoid } from './text-model-scores.js';
import { TEXT_TASKS, type PackedWeights, type Prediction, type TaskModel, type TextModel, type TextPredictions, type TokenSums } from './text-model-types.js';

/** Bound on the per-token sums kept (a feed's vocabulary is far smaller). */
const TOKEN_SUMS_LIMIT = 50_000;

/** Column sums over a post's features, for all tasks at once. Reused buffer: screening is synchronous. */
let sums = new Int32Array(16);

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
