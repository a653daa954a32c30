import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './temp-dir.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a built command (`apsisctl`, `apsis`) as a real child process. */
export function runCli(
  command: 'apsisctl' | 'apsis',
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  const bin = join(repoRoot, 'dist', 'src', 'cli', `${command}.js`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
