import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchedulerError } from '../../src/errors.js';
import { bindContext, renderTemplate } from '../../src/templates/index.js';
import { builtinCalendars } from '../../src/time/index.js';

/**
 * The known ways out of template engines (prototype walks to Function,
 * Node globals, nunjucks' attr filter, code injection through names that
 * nunjucks pastes into generated JavaScript, prototype pollution). Each must
 * fail with one of our template errors or render harmless text, and leave
 * the process as it was.
 */

const PAYLOAD = 'globalThis.pwned = true';

const ESCAPES = [
  // Walking to Function through constructors.
  '{{ range.constructor("return process")() }}',
  '{{ "".constructor.constructor("return this")() }}',
  '{{ [].constructor.constructor("return process")() }}',
  '{{ {}.constructor.constructor("return process")() }}',
  '{{ (1).constructor }}',
  '{{ format.constructor("return process")() }}',
  '{{ Date.constructor("return process")() }}',
  '{{ Date("2024-01-01").constructor }}',
  '{{ get_calendar("all").constructor }}',
  '{{ get_calendar("all").after.constructor }}',
  '{{ Time("2024-01-01T00:00:00Z").format.constructor }}',
  '{{ "abc".upper.constructor("return process")() }}',
  '{{ range.call(none, 1) }}',
  '{{ range.apply }}',
  '{{ range.bind }}',
  '{{ Date.prototype }}',
  // nunjucks and Jinja globals that are escapes elsewhere.
  '{{ cycler.constructor("return process")() }}',
  '{{ cycler.__init__.__globals__ }}',
  '{{ joiner.constructor }}',
  '{{ joiner }}',
  '{{ lipsum.__globals__ }}',
  '{{ namespace }}',
  '{{ self }}',
  // Prototypes and Python dunders.
  '{{ {}.__proto__ }}',
  '{{ [].__proto__ }}',
  '{{ x.__proto__ }}',
  '{{ x.__class__.__mro__ }}',
  '{{ x.toString() }}',
  '{{ x.length }}',
  '{{ [].length }}',
  '{{ x.constructor }}',
  '{% for i in [1] %}{{ loop.constructor.constructor("return process")() }}{% endfor %}',
  '{% for i in [1] %}{{ loop.__proto__ }}{% endfor %}',
  // Filters that read members.
  '{{ x | attr("constructor") }}',
  '{{ x | attr("__proto__") }}',
  '{{ [x] | map(attribute="constructor") | list }}',
  '{{ [x] | map("constructor") | list }}',
  '{{ [x] | sort(attribute="constructor") }}',
  '{{ [x] | join(attribute="__proto__") }}',
  '{{ "{0.constructor}".format(x) }}',
  '{{ "{0.__class__}".format(x) }}',
  '{{ "%(constructor)s" % {} }}',
  // Node and generated-code names.
  '{{ global }}',
  '{{ globalThis }}',
  '{{ process }}',
  '{{ process.env }}',
  '{{ require("child_process") }}',
  '{{ this }}',
  '{{ module }}',
  '{{ Function }}',
  '{{ frame }}',
  '{{ context }}',
  '{{ runtime }}',
  '{{ env }}',
  '{{ cb }}',
  '{{ output }}',
  '{{ lineno }}',
  '{{ t_1 }}',
  // Code injection through text nunjucks pastes into JavaScript.
  '{{ a"&&process&&" }}',
  `{{ 1 is "\\", (${PAYLOAD}), \\"" }}`,
  `{% set "x\\", (${PAYLOAD}), \\"" = 1 %}`,
  `{{ x["\\\\"+(${PAYLOAD})+"\\\\"]() }}`,
  `{% macro m("\\", (${PAYLOAD}), \\"" = 1) %}{% endmacro %}`,
  `{{ x | "\\", (${PAYLOAD}), \\"" }}`,
  '{{ r/x/.constructor }}',
  // Prototype pollution.
  '{{ {"__proto__": {"polluted": 1} }.polluted }}',
  '{% set __proto__ = {"polluted": 1} %}{{ polluted }}',
  '{{ dict(__proto__={"polluted": 1}).polluted }}',
  '{% set x = {} %}{% set x.__proto__ = 1 %}',
  '{% set constructor = 1 %}{{ constructor }}',
  // Loading other templates or files.
  '{% include "/etc/passwd" %}',
  '{% import "os" as os %}',
  '{% from "os" import system %}',
  '{% extends "base" %}',
];

function context() {
  return bindContext({
    runId: 'r1',
    jobId: 'j',
    args: { x: 'value' },
    calendars: builtinCalendars,
  });
}

describe('template sandbox', () => {
  for (const template of ESCAPES) {
    it(`contains ${template}`, () => {
      let output: string | undefined;
      try {
        output = renderTemplate(template, context());
      } catch (err) {
        assert.ok(err instanceof SchedulerError, `not our error: ${String(err)}`);
        assert.match(err.code, /^template_/);
        return;
      }
      assert.doesNotMatch(output, /native code|\[object|=>|process|function \w*\(/);
    });
  }

  it('leaves globalThis and Object.prototype as they were', () => {
    const globals = Object.getOwnPropertyNames(globalThis).sort();
    const protoNames = Object.getOwnPropertyNames(Object.prototype).sort();
    for (const template of ESCAPES) {
      try {
        renderTemplate(template, context());
      } catch {
        // Refusal is the expected outcome for most of them.
      }
    }
    assert.deepEqual(Object.getOwnPropertyNames(globalThis).sort(), globals);
    assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), protoNames);
    assert.equal(({} as Record<string, unknown>)['polluted'], undefined);
    assert.equal((globalThis as Record<string, unknown>)['pwned'], undefined);
    assert.equal(Object.getPrototypeOf({}), Object.prototype);
  });

  it('renders a dict literal with a __proto__ key as data', () => {
    assert.equal(renderTemplate('{{ {"__proto__": "v"}["__proto__"] }}', context()), 'v');
  });

  it('never calls a raw JavaScript function, only template callables', () => {
    assert.throws(() => renderTemplate('{{ x.upper.call() }}', context()), /no attribute 'call'/);
  });
});
