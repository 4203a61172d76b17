/**
 * The text model's shape: its tasks, the shared weight table, the packed copy prediction
 * reads, and what it predicts. Training, prediction, learning and the file form build on it.
 */
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

export interface TokenSums {
  /** Per column: the token's word weight, plus its grams' weights in the columns of tasks that use grams. */
  sums: Int32Array;
  /** How many word features the token has (its word, and its valence when it has one). */
  words: number;
  gramCount: number;
}

/** A prediction with the classifier's probability for it. */
export interface Prediction {
  label: string;
  confidence: number;
}

export type TextPredictions = Partial<Record<TextTask, Prediction>>;

export type TextLabels = Partial<Record<TextTask, string>>;

/** An empty model: predicts nothing until trained or taught with `learn`. */
export function emptyTextModel(bits = MODEL_BITS): TextModel {
  return { bits, stride: 0, weights: new Float32Array(0), tasks: {}, topicGroups: {} };
}

/** The task `name`, added (with no labels, at the table's end) when the model lacks it. */
export function ensureTask(model: TextModel, name: TextTask, charGrams: boolean): TaskModel {
  const existing = model.tasks[name];
  if (existing) return existing;
  const task: TaskModel = { labels: [], charGrams, column: model.stride, bias: new Float32Array(0), offsets: new Float32Array(0), seen: [] };
  model.tasks[name] = task;
  return task;
}

/** A post's features: word features for every task, character grams for tasks that use them. */
export interface PostFeatures {
  words: Int32Array;
  grams: Int32Array | undefined;
}
