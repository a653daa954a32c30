import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SchedulerError } from '../../src/errors.js';
import {
  bindContext,
  checkTemplate,
  renderTemplate,
  TemplateEvalError,
  TemplateNameError,
  TemplateSyntaxError,
} from '../../src/templates/index.js';
import { builtinCalendars } from '../../src/time/index.js';

function render(template: string, args: Record<string, string> = {}): string {
  return renderTemplate(
    template,
    bindContext({ runId: 'r1', jobId: 'j', args, calendars: builtinCalendars }),
  );
}

function syntaxError(template: string): TemplateSyntaxError {
  try {
    checkTemplate(template);
  } catch (err) {
    assert.ok(
      err instanceof TemplateSyntaxError,
      `expected TemplateSyntaxError, got ${String(err)}`,
    );
    return err;
  }
  assert.fail(`no syntax error in ${JSON.stringify(template)}`);
}

describe('template errors', () => {
  it('are SchedulerErrors with the template codes', () => {
    assert.throws(
      () => render('{{ x'),
      (e) => e instanceof SchedulerError && e.code === 'template_syntax',
    );
    assert.throws(
      () => render('{{ x }}'),
      (e) => e instanceof TemplateNameError && e.code === 'template_name' && e.templateName === 'x',
    );
    assert.throws(
      () => render('{{ 1 / 0 }}'),
      (e) => e instanceof TemplateEvalError && e.code === 'template_eval',
    );
  });
});

describe('syntax errors', () => {
  it("name the line and column and say '}}' was expected", () => {
    const err = syntaxError('echo {{ date ');
    assert.equal(err.line, 1);
    assert.equal(err.message, "syntax error at line 1, column 14: expected '}}'");
  });

  it('count lines and columns from 1 in multi-line templates', () => {
    const err = syntaxError('line one\nline two {{ x + }}');
    assert.equal(err.line, 2);
    assert.match(err.message, /^syntax error at line 2, column \d+: unexpected '}}'$/);
  });

  it('name an unknown tag', () => {
    assert.match(syntaxError('{% frobnicate %}').message, /unknown tag 'frobnicate'/);
  });

  it('say which tags an unclosed if is waiting for', () => {
    assert.match(
      syntaxError('{% if x %}yes').message,
      /expected elif, else, or endif, got the end of the template/,
    );
  });

  it('name an unknown filter or test at check time, as Jinja does', () => {
    assert.match(syntaxError('{{ x | nosuch }}').message, /no filter named 'nosuch'/);
    assert.match(syntaxError('{{ x is nosuch }}').message, /no test named 'nosuch'/);
  });

  it('refuse include, import and extends: templates cannot load others', () => {
    for (const t of [
      "{% include 'a' %}",
      "{% import 'a' as b %}",
      "{% from 'a' import b %}",
      "{% extends 'a' %}",
    ]) {
      assert.match(
        syntaxError(t).message,
        /not supported: job templates cannot load other templates/,
      );
    }
  });

  it('refuse names that are not identifiers', () => {
    assert.match(syntaxError('{{ a"b }}').message, /invalid name 'a"b'/);
  });

  it('report an unterminated comment', () => {
    assert.match(syntaxError('a {# b').message, /expected end of comment/);
  });
});

describe('evaluation errors', () => {
  it('use Python wording for type errors', () => {
    assert.throws(() => render('{{ n + 1 }}', { n: '5' }), {
      message: 'can only concatenate str (not "int") to str',
    });
    assert.throws(() => render('{{ 1 + n }}', { n: '5' }), {
      message: "unsupported operand type(s) for +: 'int' and 'str'",
    });
    assert.throws(() => render("{{ 'a' < 1 }}"), {
      message: "'<' not supported between instances of 'str' and 'int'",
    });
  });

  it('name a missing attribute', () => {
    assert.throws(() => render('{{ region.nope() }}', { region: 'eu' }), {
      name: 'TemplateEvalError',
      message: "'str' object has no attribute 'nope'",
    });
  });

  it('name what was called when it is not callable', () => {
    assert.throws(() => render('{{ region() }}', { region: 'eu' }), {
      message: "region: 'str' object is not callable",
    });
  });

  it('carry the message of helper failures', () => {
    assert.throws(
      () => render("{{ get_calendar('nope') }}"),
      (e) => e instanceof TemplateEvalError && /no such calendar: nope/.test(e.message),
    );
    assert.throws(
      () => render("{{ TimeZone('Mars/Base') }}"),
      (e) => e instanceof TemplateEvalError && /unknown time zone: Mars\/Base/.test(e.message),
    );
  });

  it('report the template line of the failing expression', () => {
    assert.throws(
      () => render('a\nb\n{{ 1 / 0 }}'),
      (e) => e instanceof TemplateEvalError && e.line === 3,
    );
  });

  it('refuse to iterate over a non-iterable', () => {
    assert.throws(() => render('{% for x in 5 %}{% endfor %}'), {
      message: "'int' object is not iterable",
    });
  });

  it('stop runaway loops and output', () => {
    assert.throws(
      () =>
        render('{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}'),
      /loops ran over/,
    );
    assert.throws(() => render("{{ 'x' * 100000000 }}"), /too long/);
    assert.throws(() => render('{{ range(10000000) }}'), /range too big/);
  });

  it('turn unbounded macro recursion into an error', () => {
    assert.throws(
      () => render('{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}'),
      TemplateEvalError,
    );
  });
});
