/**
 * The masking gate is structural: every surface takes stranger text as `Masked`, which only
 * src/screening/mask-personal-data.ts can make. These checks keep it so: a cast to Masked
 * anywhere else fails here, and a surface that takes a plain string fails the type check
 * (each `@ts-expect-error` below errors if the refusal goes away).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CaseForm } from '../../src/app/case-interactions.js';
import type { Card, StormCard } from '../../src/cards/card.js';
import type { ChatGateway } from '../../src/app/chat-gateway.js';
import { maskPersonalData, NO_PUBLIC_NUMBERS, type Masked } from '../../src/screening/mask-personal-data.js';

const ROOT = join(__dirname, '..', '..');
const GATE = 'src/screening/mask-personal-data.ts';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const code = (src: string) => src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
const FORGERY = /\bas\s+(?:unknown\s+as\s+)?Masked\b|<Masked>/;

describe('the masking gate', () => {
  it('is the only place that makes Masked text', () => {
    const all = [...files(join(ROOT, 'src')), ...files(join(ROOT, 'scripts')), ...files(join(ROOT, 'jobs'))];
    expect(all.length).toBeGreaterThan(100);
    const forgers = all.filter((f) => FORGERY.test(code(readFileSync(f, 'utf8')))).map((f) => relative(ROOT, f));
    expect(forgers).toEqual([GATE]);
  });

  it('finds a forgery when there is one', () => {
    expect(FORGERY.test(code("const t = post.text as Masked;"))).toBe(true);
    expect(FORGERY.test(code("const t = post.text as unknown as Masked;"))).toBe(true);
    expect(FORGERY.test(code("// a comment: as Masked"))).toBe(false);
  });

  it('every surface refuses a plain string (checked by the type checker)', () => {
    const raw = 'card 4111 1111 1111 1111';
    const masked: Masked = maskPersonalData(raw, NO_PUBLIC_NUMBERS);
    const card = {} as Card;
    // @ts-expect-error a card's text must come through the gate
    card.text = raw;
    // @ts-expect-error so must the author's name
    card.author = { name: raw, handle: 'h', followers: 0, verified: false };
    // @ts-expect-error and every note (rule explanations, follow-ups, staff notes)
    card.notes = [raw];
    const storm = {} as StormCard;
    // @ts-expect-error storm samples too
    storm.samples = [{ author: masked, handle: 'h', followers: 0, text: raw }];
    const form = {} as CaseForm;
    // @ts-expect-error the draft dialog's quote of the post
    form.mentionText = raw;
    const note = (g: ChatGateway) => {
      // @ts-expect-error a thread note
      void g.postNote({ platform: 'slack', channel: 'C', ts: '1' }, raw);
      // @ts-expect-error a notice
      void g.postNotice?.('C', raw);
    };
    card.text = masked;
    expect(card.text).toBe('card [card number]');
    expect(typeof note).toBe('function');
  });
});
