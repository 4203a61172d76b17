import http from 'node:http';
import { TwitterApi, type ITwitterApiClientPlugin } from 'twitter-api-v2';

export interface XCredentials {
  bearerToken?: string | undefined;
  appKey?: string | undefined;
  appSecret?: string | undefined;
  accessToken?: string | undefined;
  accessSecret?: string | undefined;
}

/**
 * twitter-api-v2 has no base-URL setting: its prefixes are constants. A plugin that
 * rewrites the URL before it is signed sends every request to `baseUrl` instead (for
 * tests and the sandbox), and an http.Agent lets it speak plain http to 127.0.0.1.
 */
function redirect(baseUrl: string): ITwitterApiClientPlugin {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const rewrite = (p: { url: string }) => { p.url = p.url.replace(/^https:\/\/(api|upload|stream)\.(x|twitter)\.com\//, base); };
  return {
    onBeforeRequestConfig: ({ params }) => { rewrite(params); },
    onBeforeStreamRequestConfig: ({ params }) => { rewrite(params); },
  };
}

/**
 * twitter-api-v2 waits forever by default; a request that hangs would hold a listening
 * tick or a reply delivery. Every request gets a timeout unless it names its own.
 */
function timeout(ms: number): ITwitterApiClientPlugin {
  return { onBeforeRequestConfig: ({ params }) => { params.timeout ??= ms; } };
}

/** Builds the read (app-only bearer) and write (user context) clients. */
export function createXClients(creds: XCredentials, baseUrl?: string, opts: { timeoutMs?: number } = {}): { read?: TwitterApi; write?: TwitterApi } {
  const plugins = [timeout(opts.timeoutMs ?? 15_000), ...(baseUrl ? [redirect(baseUrl)] : [])];
  const settings = { plugins, ...(baseUrl?.startsWith('http:') ? { httpAgent: new http.Agent({ keepAlive: true }) } : {}) };
  const user = creds.appKey && creds.appSecret && creds.accessToken && creds.accessSecret
    ? new TwitterApi({ appKey: creds.appKey, appSecret: creds.appSecret, accessToken: creds.accessToken, accessSecret: creds.accessSecret }, settings)
    : undefined;
  const bearer = creds.bearerToken ? new TwitterApi(creds.bearerToken, settings) : undefined;
  return { ...(bearer ?? user ? { read: (bearer ?? user)! } : {}), ...(user ? { write: user } : {}) };
}
