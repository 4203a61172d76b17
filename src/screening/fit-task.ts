/** The first stage's fit: one task's one-vs-rest logistic regression, by AdaGrad with dropout. */
import { directScores, scale, sigmoid } from './text-model-scores.js';
import type { TaskModel, TextModel } from './text-model-types.js';

export function shuffle(a: number[], rnd: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    const t = a[i]!;
    a[i] = a[j]!;
    a[j] = t;
  }
}

export const TRAIN_RATE = 0.3;
export const TRAIN_L2 = 1e-4;

/**
 * Share of a row's features left out at each step of training (a different share each
 * time). The model cannot lean on one word that happened to fit the labels, which
 * helped the rare routing groups most on the airline benchmark (0.2–0.5 all helped).
 */
export const TRAIN_DROPOUT = 0.4;

export interface FitOptions { epochs: number; rate: number; l2: number; dropout: number }

/**
 * Fits one-vs-rest logistic regression with AdaGrad. Each label's positives are weighted
 * by √(negatives/positives): rare labels get heard without flooding the common one.
 */
export function fit(
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
