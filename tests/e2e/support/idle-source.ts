import type { MentionSource } from '../../../src/sources/mention-source.js';

/** A source that hears nothing and never posts: tests feed the inbox themselves (DRY_RUN sends). */
export const idleSource = (name = 'x-mentions'): MentionSource => ({
  name, network: 'x', canReply: true,
  poll: async () => ({ mentions: [], cursor: undefined, requests: 0 }),
  reply: async () => { throw new Error('not used by these tests (DRY_RUN or no send)'); },
  findReply: async () => undefined,
  checkReply: () => undefined,
});
