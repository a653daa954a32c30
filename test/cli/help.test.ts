import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../support/cli.js';

/** Subcommand names from a commander help text. */
function subcommands(help: string): string[] {
  const section = help.split('Commands:\n')[1] ?? '';
  return section
    .split('\n')
    .map((l) => /^ {2}(\S+)/.exec(l)?.[1])
    .filter((c): c is string => c !== undefined && c !== 'help');
}

for (const command of ['apsisctl', 'apsis'] as const) {
  describe(`${command} --help`, () => {
    it('lists its subcommands and exits 0', async () => {
      const result = await runCli(command, ['--help']);
      assert.equal(result.code, 0);
      assert.match(result.stdout, new RegExp(`^Usage: ${command} `));
      assert.ok(subcommands(result.stdout).length > 0);
    });

    it('prints help for every subcommand', async () => {
      const { stdout } = await runCli(command, ['--help']);
      for (const sub of subcommands(stdout)) {
        const result = await runCli(command, [sub, '--help']);
        assert.equal(result.code, 0, sub);
        assert.match(result.stdout, new RegExp(`^Usage: ${command} ${sub}`), sub);
      }
    });

    it('exits 2 on an unknown subcommand', async () => {
      const result = await runCli(command, ['no-such-command']);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /unknown command/);
    });
  });
}
