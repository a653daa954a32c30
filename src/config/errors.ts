import { ConfigError } from '../errors.js';

/**
 * One thing wrong with the config. `where` names the source of the value
 * (`apsis.yaml:3:12`, `override waiting.max_time`, `env PROCSTAR_AGENT_PORT`)
 * when it is known; `key` is the dotted key (`waiting.max_time`), empty for
 * problems with the file as a whole.
 */
export interface ConfigProblem {
  readonly where?: string | undefined;
  readonly key: string;
  readonly message: string;
}

/** `apsis.yaml:3:12: waiting.max_time: can't parse as duration: 10 minutes please`. */
export function formatProblem(problem: ConfigProblem): string {
  const { where, key, message } = problem;
  // `override waiting.max_time: waiting.max_time: …` says the key twice.
  const keyPart = key === '' || where === `override ${key}` ? '' : `${key}: `;
  return `${where ? `${where}: ` : ''}${keyPart}${message}`;
}

/**
 * Every problem found in the config file, the overrides and the environment,
 * reported together so the operator fixes them in one pass.
 */
export class ConfigProblemsError extends ConfigError {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[], source?: string) {
    const lines = problems.map((p) => `  ${formatProblem(p)}`);
    const head =
      `invalid config${source ? ` ${source}` : ''}` +
      (problems.length === 1 ? ':' : ` (${problems.length} problems):`);
    super([head, ...lines].join('\n'));
    this.problems = problems;
  }
}
