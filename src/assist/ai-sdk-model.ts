import { createAnthropic } from '@ai-sdk/anthropic';
import { createAzure } from '@ai-sdk/azure';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError, generateText, NoObjectGeneratedError, NoOutputGeneratedError, Output, type LanguageModel as SdkModel } from 'ai';
import type { AssistConfig } from '../config/assist-schema.js';
import { ModelCallError, type LanguageModel, type ModelAnswer, type ModelRequest } from '../app/language-model.js';

/**
 * The language-model port over the Vercel AI SDK (v6, which runs on Node 20): one typed
 * call, `generateText` with a zod-typed structured output, for the three providers teams
 * use. The only file that imports `ai` or `@ai-sdk/*` (.dependency-cruiser.cjs).
 */
export function aiSdkModel(config: AssistConfig, apiKey: string | undefined, opts: { fetch?: typeof fetch } = {}): LanguageModel {
  const model = sdkModel(config, apiKey, opts.fetch);
  return {
    name: `${config.provider}:${config.model}`,
    generate: <T>(request: ModelRequest<T>) => generate(model, request),
  };
}

function sdkModel(config: AssistConfig, apiKey: string | undefined, fetchImpl: typeof fetch | undefined): SdkModel {
  switch (config.provider) {
    case 'openai-compatible':
      // Local servers (Ollama, vLLM, llama.cpp) take no key: then no Authorization header is sent.
      return createOpenAICompatible({ name: 'assist', baseURL: config.baseURL!, ...(apiKey ? { apiKey } : {}), supportsStructuredOutputs: true, ...(fetchImpl ? { fetch: fetchImpl } : {}) })
        .chatModel(config.model);
    case 'azure':
      // Deployment URLs (…/openai/deployments/<name>/chat/completions?api-version=…): the form every Azure OpenAI resource serves.
      return createAzure({
        ...(config.baseURL ? { baseURL: config.baseURL } : { resourceName: config.resource! }),
        apiKey: apiKey ?? '', apiVersion: config.apiVersion, useDeploymentBasedUrls: true, ...(fetchImpl ? { fetch: fetchImpl } : {}),
      }).chat(config.model);
    case 'anthropic':
      return createAnthropic({ apiKey: apiKey ?? '', ...(config.baseURL ? { baseURL: config.baseURL } : {}), ...(fetchImpl ? { fetch: fetchImpl } : {}) })
        .messages(config.model);
  }
}

async function generate<T>(model: SdkModel, request: ModelRequest<T>): Promise<ModelAnswer<T>> {
  try {
    const result = await generateText({
      model,
      system: request.instructions,
      prompt: request.data,
      output: Output.object({ schema: request.schema, name: request.schemaName }),
      maxOutputTokens: request.maxOutputTokens,
      abortSignal: request.signal,
      // One try: the agent is waiting, and the template is there when it fails.
      maxRetries: 0,
      temperature: 0.3,
    });
    return { value: result.output, tokens: result.totalUsage.totalTokens ?? (result.totalUsage.inputTokens ?? 0) + (result.totalUsage.outputTokens ?? 0) };
  } catch (e) {
    throw asModelError(e, request.signal);
  }
}

function asModelError(e: unknown, signal: AbortSignal): ModelCallError {
  if (signal.aborted) return new ModelCallError('model_timeout', 'the model did not answer in time');
  if (NoObjectGeneratedError.isInstance(e)) {
    return new ModelCallError('model_malformed', `the model's answer was not the expected JSON: ${e.message}`, e.usage?.totalTokens ?? 0);
  }
  if (NoOutputGeneratedError.isInstance(e)) return new ModelCallError('model_malformed', `the model gave no answer: ${e.message}`);
  if (APICallError.isInstance(e)) {
    const status = e.statusCode ?? 0;
    if (status === 429) {
      const after = e.responseHeaders?.['retry-after'];
      return new ModelCallError('model_rate_limited', `the model's service is rate limiting us${after ? ` (retry after ${after}s)` : ''}`);
    }
    if (status === 401 || status === 403) return new ModelCallError('model_refused', `the model's service refused the key (HTTP ${status}); check the key in the variable assist.keyEnv names`);
    if (status >= 400 && status < 500) return new ModelCallError('model_refused', `the model's service refused the request (HTTP ${status}): ${e.message}`);
    // A 200 whose body is not the provider's JSON: the request went through, the answer is unreadable.
    if ((status >= 200 && status < 300) || (!status && /JSON|parse/i.test(e.message))) return new ModelCallError('model_malformed', `the model's service answered with something that is not JSON: ${e.message}`);
    return new ModelCallError('model_unavailable', `the model's service failed${status ? ` (HTTP ${status})` : ''}: ${e.message}`);
  }
  const message = e instanceof Error ? e.message : String(e);
  if (/JSON|parse|Type validation/i.test(message)) return new ModelCallError('model_malformed', `the model's answer could not be read: ${message}`);
  return new ModelCallError('model_unavailable', `the model could not be reached: ${message}`);
}
