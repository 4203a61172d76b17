import type { PiiFinding } from '../domain/screening.js';

/** Replaces each personal-data span with a mask that keeps only its kind, e.g. `[card number]`. */
export function maskText(text: string, findings: readonly PiiFinding[]): string {
  if (findings.length === 0) return text;
  const spans = [...findings].sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const f of spans) {
    if (f.start < at) continue;
    out += text.slice(at, f.start) + `[${f.kind.replace(/_/g, ' ')}]`;
    at = f.end;
  }
  return out + text.slice(at);
}
