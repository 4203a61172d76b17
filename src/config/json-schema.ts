import * as z from 'zod';
import { ConfigSchema } from './schema.js';

/** The JSON Schema of earshot.yaml, generated from the zod schema (draft 2020-12). */
export function configJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://earshot.dev/schema/earshot.schema.json', title: 'Earshot configuration (earshot.yaml)' };
}
