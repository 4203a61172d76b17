/**
 * `earshot screen --assist` and labelled files: the configured AI model screens each row
 * besides the built-in classifier (falling back to it on a timeout, an error or the run's
 * token budget), and with label columns both are measured against the labels.
 */
import { ModelScreener, type ScreenFallback } from '../../assist/model-screening.js';
import type { Config } from '../../config/schema.js';
import type { Screening } from '../../domain/screening.js';
import type { ScreenOptions } from '../command-list.js';
import { cell, intentLabel, requireColumn, sentimentLabel, TableFileError, type Table } from './train.js';

const TASKS = ['sentiment', 'intent', 'topic'] as const;
type Task = (typeof TASKS)[number];
export type Outputs = Record<Task, string | null>;

/** The model's outputs for a row, or the built-in classifier's with the reason it stood in. */
export type AssistOutputs = Outputs & { fallback?: ScreenFallback };

/** The model screener for `--assist`, from the config's `assist:` section and the key in the environment. */
export async function assistScreener(config: Config | undefined, table: Table, opts: ScreenOptions): Promise<ModelScreener> {
  const assist = config?.assist;
  if (!config || !assist) throw new TableFileError('--assist', 'AI assist is off: add an assist: section (provider, model, …) to the configuration to screen with a model');
  const key = process.env[assist.keyEnv]?.trim() || undefined;
  // The topics the model may name: the skill groups, and the topics the file's labels use.
  const labelled = opts.topic ? table.rows.map((r) => cell(r, opts.topic!).trim()).filter(Boolean) : [];
  const topics = [...new Set([...config.groups.map((g) => g.id), ...labelled])];
  // The AI SDK is loaded only for --assist: a plain `earshot screen` starts without it.
  const { aiSdkModel } = await import('../../assist/ai-sdk-model.js');
  return new ModelScreener(aiSdkModel(assist, key), { config, timeoutMs: assist.timeout, maxTokens: assist.dailyTokens, topics });
}

/** The model's outputs for one post, or the built-in ones with the fallback code. */
export async function assistOutputs(screener: ModelScreener, text: string, builtIn: Outputs): Promise<AssistOutputs> {
  const r = await screener.classify(text);
  return r.ok ? { ...r.value } : { ...builtIn, fallback: r.fallback };
}

export const builtInOutputs = (s: Screening): Outputs => ({ sentiment: s.sentiment ?? null, intent: s.intent ?? null, topic: s.topic ?? null });

/** Checks the label columns exist. */
export function requireLabelColumns(file: string, table: Table, opts: ScreenOptions): void {
  for (const t of TASKS) if (opts[t]) requireColumn(file, table, opts[t]!, `--${t}`);
}

/** A row's labels, as the values screening gives ('' = not labelled). */
export function labelsOf(file: string, row: Record<string, unknown>, position: number, opts: ScreenOptions): Record<Task, string> {
  return {
    sentiment: opts.sentiment ? sentimentLabel(file, cell(row, opts.sentiment), position) : '',
    intent: opts.intent ? intentLabel(file, cell(row, opts.intent), position) : '',
    topic: opts.topic ? cell(row, opts.topic).trim().toLowerCase() : '',
  };
}

/** Correct answers per task for the built-in classifier and the model, and the fallbacks. */
export class ScreenTally {
  private readonly n: Record<Task, number> = { sentiment: 0, intent: 0, topic: 0 };
  private readonly builtIn: Record<Task, number> = { sentiment: 0, intent: 0, topic: 0 };
  private readonly model: Record<Task, number> = { sentiment: 0, intent: 0, topic: 0 };
  private readonly fallbacks = new Map<string, number>();
  private rows = 0;
  private agreed = 0;

  add(labels: Record<Task, string>, builtIn: Outputs, assisted: AssistOutputs | undefined): void {
    this.rows += 1;
    const same = (a: string | null, b: string) => (a ?? '').toLowerCase() === b;
    for (const t of TASKS) {
      if (!labels[t]) continue;
      this.n[t] += 1;
      if (same(builtIn[t], labels[t])) this.builtIn[t] += 1;
      if (assisted && same(assisted[t], labels[t])) this.model[t] += 1;
    }
    if (!assisted) return;
    if (assisted.fallback) this.fallbacks.set(assisted.fallback, (this.fallbacks.get(assisted.fallback) ?? 0) + 1);
    if (TASKS.every((t) => (assisted[t] ?? '') === (builtIn[t] ?? ''))) this.agreed += 1;
  }

  /** The figures in words, one line each. */
  report(model: { name: string; tokens: number } | undefined): string[] {
    const pct = (k: number, n: number) => `${k}/${n} (${n ? Math.round((100 * k) / n) : 0}%)`;
    const lines: string[] = [];
    const labelled = TASKS.filter((t) => this.n[t] > 0);
    if (labelled.length) lines.push(`Against the labels in the file (${this.rows} rows):`);
    for (const t of labelled) lines.push(`  ${t}: built-in ${pct(this.builtIn[t], this.n[t])}${model ? `, model ${pct(this.model[t], this.n[t])}` : ''}`);
    if (!model) return lines;
    const fell = [...this.fallbacks.values()].reduce((a, b) => a + b, 0);
    const why = [...this.fallbacks].sort((a, b) => b[1] - a[1]).map(([code, k]) => `${code} ${k}`).join(', ');
    lines.push(`Model ${model.name}: ${model.tokens} tokens; fell back to the built-in classifier on ${fell} of ${this.rows} rows${why ? ` (${why})` : ''}; same three outputs as the built-in classifier on ${pct(this.agreed, this.rows)}.`);
    if (labelled.length && fell) lines.push('  (the model\'s figures count the rows it fell back on with the built-in answers)');
    return lines;
  }
}
