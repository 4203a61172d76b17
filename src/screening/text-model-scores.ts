/** Scoring shared by prediction, online learning and training: features, one task's scores, the second stage. */
import { charGramIds, wordFeatureIds } from './text-features.js';
import type { PostTokens } from './tokenize-post.js';
import { TEXT_TASKS, type PostFeatures, type TaskModel, type TextModel, type TextTask } from './text-model-types.js';

export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** A task's scores after its second stage, from every task's own scores. */
export function stackedScores(task: TaskModel, name: TextTask, base: Partial<Record<TextTask, Float64Array>>): Float64Array {
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

export const needsGrams = (model: TextModel): boolean => TEXT_TASKS.some((t) => model.tasks[t]?.charGrams);

export function featuresOf(model: TextModel, post: PostTokens, grams = needsGrams(model)): PostFeatures {
  return { words: wordFeatureIds(post, model.bits), grams: grams ? charGramIds(post, model.bits) : undefined };
}

/** The id lists a task reads for a post. */
export const idsFor = (task: TaskModel, f: PostFeatures): Int32Array[] => (task.charGrams && f.grams ? [f.words, f.grams] : [f.words]);

/** Scores of one task only, reading just its columns (training and learning). */
export function directScores(model: TextModel, task: TaskModel, ids: Int32Array[], v: number): Float64Array {
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

/** 1/√(feature count): a post's features are L2-normalised, long and short posts score alike. */
export const scale = (ids: Int32Array[]): number => 1 / Math.sqrt(Math.max(1, ids.reduce((n, a) => n + a.length, 0)));
