import { describe, expect, it } from 'vitest';
import { TypedReplies } from '../../src/chat/slack/typed-replies.js';
import { openStore } from '../../src/store/open-store.js';

/** Edits typed in a draft modal while AI assist writes, as two instances sharing one store see them. */
const edit = (viewId: string, actionId: string, value: string) => ({
  type: 'block_actions', view: { id: viewId }, actions: [{ type: 'plain_text_input', block_id: 'reply', action_id: actionId, value }],
});

describe('TypedReplies', () => {
  it('lets another instance see an edit through the shared store, from the time asked for', async () => {
    const store = await openStore('sqlite://:memory:', { namespace: 'typed' });
    let now = 1_000;
    const a = new TypedReplies(store, () => now);
    const b = new TypedReplies(store, () => now);
    expect(await a.record(edit('V1', 'text~ai.1', 'My own words'))).toBe(true);
    expect(await b.since('V1', 500)).toEqual({ text: 'My own words', fill: 'ai.1' });
    // An edit older than the click or the opening asked about does not count.
    expect(await b.since('V1', 1_001)).toBeUndefined();
    now = 2_000;
    await b.record(edit('V1', 'text', 'Changed again'));
    expect(await a.since('V1', 1_500)).toEqual({ text: 'Changed again', fill: undefined });
    await a.forget('V1');
    expect(await b.since('V1', 0)).toBeUndefined();
    await store.close();
  });

  it('ignores actions that are not edits of the reply', async () => {
    const t = new TypedReplies();
    expect(await t.record({ ...edit('V2', 'tpl.pick', 'x') })).toBe(false);
    expect(await t.record({ type: 'block_actions', view: { id: 'V2' }, actions: [{ block_id: 'note', action_id: 'text', value: 'x' }] })).toBe(false);
    expect(await t.since('V2', 0)).toBeUndefined();
  });
});
