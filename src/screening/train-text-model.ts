/** Training: the first stage per task, the second stage by cross-fitting, the decision offsets. */
import { seededRandom } from '../domain/seeded-random.js';
import { fitStack, type TaskPlan } from './fit-stack.js';
import { fit, shuffle, TRAIN_DROPOUT, TRAIN_L2, TRAIN_RATE, type FitOptions } from './fit-task.js';
import { charGramIds, wordFeatureIds } from './text-features.js';
import { directScores, scale, stackedScores } from './text-model-scores.js';
import { emptyTextModel, ensureTask, MODEL_BITS, TEXT_TASKS, type TextLabels, type TextModel, type TextTask } from './text-model-types.js';
import { tokenizePost } from './tokenize-post.js';
import { tuneOffsets } from './tune-offsets.js';

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
