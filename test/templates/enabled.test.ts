import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bindContext, evalEnabled } from '../../src/templates/index.js';
import { builtinCalendars } from '../../src/time/index.js';

const context = bindContext({
  runId: 'r1',
  jobId: 'j',
  args: { region: 'test', flag: 'false' },
  calendars: builtinCalendars,
});

describe('evalEnabled (spec §3.5)', () => {
  it('treats an absent enabled as on', () => {
    assert.equal(evalEnabled(undefined, context), true);
  });

  it('takes a YAML bool as it is', () => {
    assert.equal(evalEnabled(true, context), true);
    assert.equal(evalEnabled(false, context), false);
  });

  for (const [text, expected] of [
    ['true', true],
    ['True', true],
    ['false', false],
    ['False', false],
    ['', false],
    ['0', true],
    ['no', true],
    ['FALSE', true],
  ] as const) {
    it(`reads the rendered string ${JSON.stringify(text)} as ${expected}`, () => {
      assert.equal(evalEnabled(text, context), expected);
    });
  }

  it('renders the template first and converts its output', () => {
    assert.equal(evalEnabled("{{ region != 'test' }}", context), false);
    assert.equal(evalEnabled("{{ region == 'test' }}", context), true);
    assert.equal(evalEnabled('{{ flag }}', context), false);
    assert.equal(evalEnabled("{{ '' }}", context), false);
  });

  it('drops one trailing newline before converting, so a YAML block scalar still reads False', () => {
    assert.equal(evalEnabled("{{ region == 'prod' }}\n", context), false);
  });
});
