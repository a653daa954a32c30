import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  argsContext,
  bindContext,
  checkTemplate,
  isTemplate,
  renderTemplate,
  TemplateNameError,
} from '../../src/templates/index.js';
import { builtinCalendars } from '../../src/time/index.js';

function render(template: string, args: Record<string, string> = {}): string {
  return renderTemplate(
    template,
    bindContext({ runId: 'r42', jobId: 'jobs/daily', args, calendars: builtinCalendars }),
  );
}

describe('isTemplate', () => {
  it('recognises {{ and {% and nothing else', () => {
    assert.equal(isTemplate('echo {{ date }}'), true);
    assert.equal(isTemplate('{% if x %}y{% endif %}'), true);
    assert.equal(isTemplate('echo {# just a comment #}'), false);
    assert.equal(isTemplate('echo ${HOME} {x}'), false);
  });
});

describe('renderTemplate', () => {
  it('renders plain strings as themselves', () => {
    assert.equal(render('echo hello ${HOME} {x} #}'), 'echo hello ${HOME} {x} #}');
  });

  it('removes exactly one trailing newline of the source, as Jinja does', () => {
    assert.equal(render('line\n'), 'line');
    assert.equal(render('line\n\n'), 'line\n');
    assert.equal(render('{{ job_id }}\n'), 'jobs/daily');
    assert.equal(render('a\r\nb\r\n'), 'a\nb');
  });

  it('keeps newlines inside the template', () => {
    assert.equal(render('a\n{{ job_id }}\nb\n'), 'a\njobs/daily\nb');
  });

  it('drops comments and honours whitespace control', () => {
    assert.equal(render('a {# note #} b'), 'a  b');
    assert.equal(render('a  {{- job_id -}}  b'), 'ajobs/dailyb');
    assert.equal(render('x\n  {%- if true %} y{% endif %}'), 'x y');
  });

  it('renders if, elif and else', () => {
    const t = "{% if region == 'us' %}US{% elif region == 'eu' %}EU{% else %}other{% endif %}";
    assert.equal(render(t, { region: 'eu' }), 'EU');
    assert.equal(render(t, { region: 'ap' }), 'other');
  });

  it('renders for loops with loop variables and else', () => {
    assert.equal(
      render(
        '{% for x in items.split(",") %}{{ loop.index }}:{{ x }}{% if not loop.last %} {% endif %}{% endfor %}',
        {
          items: 'a,b,c',
        },
      ),
      '1:a 2:b 3:c',
    );
    assert.equal(render('{% for x in [] %}x{% else %}none{% endfor %}'), 'none');
    assert.equal(
      render("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }} {% endfor %}"),
      'a=1 b=2 ',
    );
  });

  it("filters a loop with Jinja's for ... if, counting only the kept items", () => {
    assert.equal(
      render('{% for x in [1, 0, 2, 0, 3] if x %}{{ x }}/{{ loop.length }} {% endfor %}'),
      '1/3 2/3 3/3 ',
    );
    assert.equal(render("{% for k, v in {'a': 1, 'b': 0}.items() if v %}{{ k }}{% endfor %}"), 'a');
  });

  it('keeps a set inside a loop local to the loop, as Jinja scopes it', () => {
    assert.equal(
      render('{% set n = 0 %}{% for x in [1, 2] %}{% set n = n + x %}{{ n }},{% endfor %}{{ n }}'),
      '1,2,0',
    );
    assert.equal(render('{% set n = 1 %}{% if true %}{% set n = 2 %}{% endif %}{{ n }}'), '2');
  });

  it('iterates over a string character by character and over a dict by key', () => {
    assert.equal(render('{% for c in "abc" %}{{ c }}-{% endfor %}'), 'a-b-c-');
    assert.equal(render("{% for k in {'x': 1, 'y': 2} %}{{ k }}{% endfor %}"), 'xy');
  });

  it('renders set, block set and macros', () => {
    assert.equal(render('{% set n = 3 %}{{ n * 2 }}'), '6');
    assert.equal(render('{% set s %}x{{ 1 + 1 }}{% endset %}[{{ s }}]'), '[x2]');
    assert.equal(
      render(
        '{% macro greet(name, punct="!") %}hi {{ name }}{{ punct }}{% endmacro %}{{ greet("a") }} {{ greet("b", punct="?") }}',
      ),
      'hi a! hi b?',
    );
  });

  it('closes nested dict literals before the end of the tag, as Jinja does', () => {
    assert.equal(render("{{ {'a': {'b': 1}}}}"), "{'a': {'b': 1}}");
    assert.equal(render("{% set d = {'a': {'b': 2}} %}{{ d.a.b }}"), '2');
  });

  it('prints #} in plain text instead of failing', () => {
    assert.equal(render('echo ${v#} {{ job_id }} #}'), 'echo ${v#} jobs/daily #}');
  });

  it('renders raw blocks verbatim', () => {
    assert.equal(render('{% raw %}{{ not a template }}{% endraw %}'), '{{ not a template }}');
  });

  it('renders filter blocks', () => {
    assert.equal(render('{% filter upper %}abc {{ job_id }}{% endfilter %}'), 'ABC JOBS/DAILY');
  });

  it('renders inline if with and without else', () => {
    assert.equal(render("{{ 'a' if true else 'b' }}"), 'a');
    assert.equal(render("[{{ 'a' if false }}]"), '[]');
  });
});

describe('Python str() of values', () => {
  it('prints booleans, None, ints and floats as Python does', () => {
    assert.equal(render('{{ true }} {{ False }} {{ none }} {{ None }}'), 'True False None None');
    assert.equal(
      render('{{ 3 }} {{ 2.0 }} {{ 4 / 2 }} {{ 0.1 + 0.2 }} {{ 1 / 3 }}'),
      '3 2.0 2.0 0.30000000000000004 0.3333333333333333',
    );
    assert.equal(render('{{ 10.0 ** 16 }} {{ 0.00001 }} {{ -0.0 }}'), '1e+16 1e-05 -0.0');
  });

  it('prints lists, tuples and dicts with repr() of their items', () => {
    assert.equal(render("{{ [1, 'a', none, true, 2.5] }}"), "[1, 'a', None, True, 2.5]");
    assert.equal(render("{{ (1, 'b') }}"), "(1, 'b')");
    assert.equal(render("{{ {'k': 'v', 'n': [1]} }}"), "{'k': 'v', 'n': [1]}");
    assert.equal(render('{{ ["it\'s"] }}'), `["it's"]`);
  });

  it('prints arbitrarily large ints exactly', () => {
    assert.equal(render('{{ 2 ** 100 }}'), '1267650600228229401496703205376');
  });
});

describe('the template context (spec §3.4)', () => {
  it('has run_id, job_id and every arg', () => {
    assert.equal(
      render('{{ run_id }} {{ job_id }} {{ date }}', { date: '2024-01-07' }),
      'r42 jobs/daily 2024-01-07',
    );
  });

  it('renders run_id as None when the run has no id yet', () => {
    const context = bindContext({
      runId: undefined,
      jobId: 'j',
      args: {},
      calendars: builtinCalendars,
    });
    assert.equal(renderTemplate('{{ run_id }}', context), 'None');
  });

  it('lets an arg named job_id or format shadow the built-in name', () => {
    assert.equal(
      render('{{ job_id }} {{ format }}', { job_id: 'mine', format: 'csv' }),
      'mine csv',
    );
  });

  it('gives the schedule action run args only, without helpers', () => {
    const context = argsContext({ date: '2024-01-07' });
    assert.equal(renderTemplate('{{ date }}', context), '2024-01-07');
    assert.throws(() => renderTemplate('{{ Date(date) }}', context), TemplateNameError);
    assert.throws(() => renderTemplate('{{ job_id }}', context), TemplateNameError);
  });

  it("keeps Jinja's range, dict and joiner globals", () => {
    assert.equal(render('{{ range(3) | list }} {{ dict(a=1) }}'), "[0, 1, 2] {'a': 1}");
    assert.equal(
      render('{% set j = joiner("+") %}{% for x in [1, 2, 3] %}{{ j() }}{{ x }}{% endfor %}'),
      '1+2+3',
    );
  });

  it('refuses a context not made by the builders', () => {
    const forged = { names: { x: 'y' } } as unknown as Parameters<typeof renderTemplate>[1];
    assert.throws(() => renderTemplate('{{ x }}', forged), TypeError);
  });
});

describe('undefined names (spec §3.3)', () => {
  it("raises name 'X' is not defined on access", () => {
    assert.throws(() => render('{{ nope }}'), {
      name: 'TemplateNameError',
      message: "name 'nope' is not defined",
    });
    assert.throws(() => render('{{ nope or "x" }}'), { message: "name 'nope' is not defined" });
  });

  it('lets is defined and is undefined test an undefined name (an improvement on the original)', () => {
    assert.equal(
      render('{{ nope is defined }} {{ nope is undefined }} {{ date is defined }}', { date: 'd' }),
      'False True True',
    );
    assert.equal(render('{% if nope is defined %}yes{% else %}no{% endif %}'), 'no');
  });

  it('lets default() replace an undefined name or attribute (an improvement on the original)', () => {
    assert.equal(render("{{ nope | default('fallback') }}"), 'fallback');
    assert.equal(render("{{ nope.deeper | d('fb') }}"), 'fb');
    assert.equal(render("{{ region | default('fallback') }}", { region: 'eu' }), 'eu');
    assert.equal(render("{{ '' | default('empty', true) }}"), 'empty');
  });
});

describe('checkTemplate', () => {
  it('accepts a valid template and compiles it', () => {
    assert.doesNotThrow(() => checkTemplate("{{ get_calendar('Mon-Fri').before(date) }}"));
  });
});
