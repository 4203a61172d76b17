import * as z from 'zod';

const ResolvedSchema = z.object({ did: z.string().regex(/^did:[a-z]+:[A-Za-z0-9._:%-]+$/) });

/** How long one handle's resolution may take before the stream connects without it. */
const RESOLVE_TIMEOUT_MS = 5_000;

/**
 * The brand's Bluesky handles as DIDs, for Jetstream, whose events name authors by DID
 * only: without them the brand's own posts (matching a keyword) would be heard as
 * mentions. Each handle is resolved through `com.atproto.identity.resolveHandle` on the
 * service (no session needed) and its DID added to `into`; a handle that could not be
 * resolved is tried again before the next connection.
 */
export class BrandDids {
  private readonly pending: Set<string>;

  constructor(handles: Iterable<string>, private readonly serviceUrl: string, private readonly into: Set<string>) {
    this.pending = new Set([...handles].filter((h) => !h.startsWith('did:')));
  }

  /** The handles not resolved yet. */
  get unresolved(): string[] {
    return [...this.pending];
  }

  /** Resolves the handles still pending; never rejects. */
  async resolve(signal: AbortSignal): Promise<void> {
    await Promise.all([...this.pending].map(async (handle) => {
      const did = await this.resolveOne(handle, signal);
      if (!did) return;
      this.into.add(did);
      this.pending.delete(handle);
    }));
  }

  private async resolveOne(handle: string, signal: AbortSignal): Promise<string | undefined> {
    const url = new URL('/xrpc/com.atproto.identity.resolveHandle', this.serviceUrl);
    url.searchParams.set('handle', handle);
    try {
      const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(RESOLVE_TIMEOUT_MS)]) });
      if (!res.ok) return undefined;
      const body = ResolvedSchema.safeParse(await res.json());
      return body.success ? body.data.did : undefined;
    } catch {
      return undefined;
    }
  }
}
