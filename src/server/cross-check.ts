import type { Env } from '../config/env.js';
import { crossCheckConfig, type ConfigProblem } from '../config/load-config.js';
import type { Config } from '../config/schema.js';
import { sourceConfigProblems } from '../sources/create-sources.js';

/**
 * Every problem that shows when the file and the environment are read together, the
 * sources' options and credentials included: what `start`, `check-config` and the sandbox
 * refuse to start on. It lives with the wiring because only the wiring knows the adapters.
 */
export function crossCheck(config: Config, env: Env, opts: { needChat: boolean }): ConfigProblem[] {
  return crossCheckConfig(config, env, { ...opts, sourceProblems: sourceConfigProblems });
}
