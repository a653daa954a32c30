import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  ConfigProblemsError,
  loadConfig,
  type LoadConfigOptions,
  type LoadedConfig,
} from '../../src/config/index.js';

const dirs: string[] = [];

/** A fresh temporary folder; removed by `removeTempDirs`. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'apsis-config-'));
  dirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Writes `text` to `name` (default `conf/apsis.yaml`) under a fresh temp folder. */
export function writeConfig(text: string, name = 'conf/apsis.yaml'): { dir: string; path: string } {
  const dir = tempDir();
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  return { dir, path };
}

/** Writes `text` as a config file and loads it, with `cwd` the temp folder. */
export function load(text: string, options: LoadConfigOptions = {}): LoadedConfig {
  const { dir, path } = writeConfig(text);
  return loadConfig({ cwd: dir, path, ...options });
}

/** Like `load`, but expects it to fail; returns the error. */
export function loadError(text: string, options: LoadConfigOptions = {}): ConfigProblemsError {
  let error: unknown;
  try {
    load(text, options);
  } catch (err) {
    error = err;
  }
  assert.ok(
    error instanceof ConfigProblemsError,
    `expected a ConfigProblemsError, got ${String(error)}`,
  );
  assert.equal(error.code, 'bad_config');
  return error;
}

/** The lines of a config error, without its heading. */
export function problemLines(error: ConfigProblemsError): string[] {
  return error.message
    .split('\n')
    .slice(1)
    .map((l) => l.trim());
}
