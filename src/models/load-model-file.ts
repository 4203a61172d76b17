/**
 * Reading a model written by `earshot train`. It reads a file, so it is an edge, not part
 * of screening; both the command line (`earshot screen --model`) and the server
 * (SCREENING_MODEL) load models through it.
 */
import { existsSync, readFileSync } from 'node:fs';

import { textModelFromJson, type TextModel } from '../screening/text-model.js';

/** A model file that cannot be used. */
export class ModelFileError extends Error {
  readonly code = 'MODEL_FILE_INVALID';
  constructor(readonly file: string, detail: string) {
    super(`${file}: ${detail}`);
    this.name = 'ModelFileError';
  }
}

/** Reads a model written by `earshot train`. */
export function loadModelFile(file: string): TextModel {
  if (!existsSync(file)) throw new ModelFileError(file, 'file not found (make one with `earshot train`)');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ModelFileError(file, `not JSON: ${(e as Error).message}`);
  }
  try {
    return textModelFromJson(json);
  } catch (e) {
    throw new ModelFileError(file, (e as Error).message);
  }
}
