import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bindContext, renderTemplate } from '../../src/templates/index.js';
import { builtinCalendars } from '../../src/time/index.js';

function render(template: string, args: Record<string, string> = {}): string {
  return renderTemplate(
    template,
    bindContext({ runId: 'r1', jobId: 'j', args, calendars: builtinCalendars }),
  );
}

describe('filters', () => {
  it('changes case, trims and replaces text as Jinja does', () => {
    assert.equal(
      render(
        "{{ 'aB' | upper }} {{ 'aB' | lower }} {{ 'hELLO' | capitalize }} {{ \"they're x-ray\" | title }}",
      ),
      "AB ab Hello They're X-Ray",
    );
    assert.equal(
      render(
        "[{{ '  a  ' | trim }}] [{{ 'xxaxx' | trim('x') }}] {{ 'a-b-c' | replace('-', '') }} {{ 'a-b-c' | replace('-', '+', 1) }}",
      ),
      '[a] [a] abc a+b-c',
    );
  });

  it('int and float convert strings, with Jinja’s fallbacks', () => {
    assert.equal(
      render(
        "{{ '42' | int + 1 }} {{ '42.7' | int }} {{ 'x' | int }} {{ 'x' | int(-1) }} {{ 'ff' | int(base=16) }}",
      ),
      '43 42 0 -1 255',
    );
    assert.equal(
      render("{{ '1.5' | float }} {{ '3' | float }} {{ 'x' | float }} {{ 7 | float }}"),
      '1.5 3.0 0.0 7.0',
    );
  });

  it('converts to string and list, measures, picks first and last, and reverses', () => {
    assert.equal(
      render(
        "{{ 3 | string + 'x' }} {{ 'abc' | length }} {{ [1, 2] | count }} {{ 'abc' | first }} {{ [1, 2] | last }}",
      ),
      '3x 3 2 a 2',
    );
    assert.equal(
      render("{{ 'ab' | list }} {{ 'abc' | reverse }} {{ [1, 2, 3] | reverse }}"),
      "['a', 'b'] cba [3, 2, 1]",
    );
  });

  it('joins, sorts case-insensitively, dedupes, and takes min, max and sum', () => {
    assert.equal(
      render(
        "{{ [3, 1, 2] | join(',') }} {{ [3, 1, 2] | sort }} {{ [3, 1, 2] | sort(reverse=true) }} {{ ['b', 'A', 'a'] | sort }}",
      ),
      "3,1,2 [1, 2, 3] [3, 2, 1] ['A', 'a', 'b']",
    );
    assert.equal(
      render(
        '{{ [1, 2, 1, 3] | unique | list }} {{ [4, 2, 9] | min }} {{ [4, 2, 9] | max }} {{ [1, 2, 3] | sum }}',
      ),
      '[1, 2, 3] 2 9 6',
    );
  });

  it('abs and round, rounding half to even as Python does', () => {
    assert.equal(
      render(
        '{{ -3 | abs }} {{ -2.5 | abs }} {{ 2.5 | round }} {{ 3.5 | round }} {{ 2.675 | round(2) }} {{ 5 | round }}',
      ),
      '3 2.5 2.0 4.0 2.67 5',
    );
    assert.equal(render("{{ 2.1 | round(0, 'ceil') }} {{ 2.9 | round(0, 'floor') }}"), '3.0 2.0');
  });

  it('truncates at a word, indents after the first line, centres and counts words', () => {
    assert.equal(render("{{ 'hello wonderful world' | truncate(14, leeway=0) }}"), 'hello...');
    assert.equal(render("{{ 'a\nb\n\nc' | indent(2) }}"), 'a\n  b\n\n  c');
    assert.equal(render("{{ 'a\nb' | indent(2, first=true) }}"), '  a\n  b');
    assert.equal(
      render("[{{ 'ab' | center(6) }}] {{ 'one two-three' | wordcount }}"),
      '[  ab  ] 3',
    );
  });

  it('replaces an undefined value with default or d, and a falsy one when asked', () => {
    assert.equal(
      render(
        "{{ x | default('a') }} {{ x | d('b') }} {{ none | default('c') }} {{ none | default('c', true) }}",
      ),
      'a b None c',
    );
  });

  it('format applies printf-style formatting', () => {
    assert.equal(render("{{ '%s=%d' | format('n', 3) }} {{ '%(a)s' | format(a='kw') }}"), 'n=3 kw');
  });

  it('maps a filter, selects and rejects by test, and sorts dict items', () => {
    assert.equal(
      render(
        "{{ ['a', 'b'] | map('upper') | list }} {{ [1, 2, 3, 4] | select('odd') | list }} {{ [1, 2, 3, 4] | reject('odd') | list }}",
      ),
      "['A', 'B'] [1, 3] [2, 4]",
    );
    assert.equal(
      render("{{ {'b': 1, 'a': 2} | dictsort }} {{ {'a': 1} | items | list }}"),
      "[('a', 2), ('b', 1)] [('a', 1)]",
    );
  });

  it('tojson sorts keys and escapes HTML characters, as Jinja does', () => {
    assert.equal(
      render("{{ {'b': [1, 2.5, none, true], 'a': '<x>'} | tojson }}"),
      '{"a": "\\u003cx\\u003e", "b": [1, 2.5, null, true]}',
    );
  });

  it('escapes HTML and percent-encodes URLs and query strings', () => {
    assert.equal(
      render(
        "{{ '<a href=\"x\">&' | e }} {{ 'a b/c?d' | urlencode }} {{ {'q': 'a b'} | urlencode }}",
      ),
      '&lt;a href=&#34;x&#34;&gt;&amp; a%20b/c%3Fd q=a+b',
    );
  });

  it('attr reads only the attributes a template may see', () => {
    assert.equal(render("{{ Date('2024-01-07') | attr('year') }}"), '2024');
    assert.throws(() => render("{{ 'x' | attr('constructor') }}"), /no attribute 'constructor'/);
  });
});

describe('tests (is ...)', () => {
  it('tells str, int, float, None, bool, dicts, iterables and callables apart', () => {
    assert.equal(
      render(
        "{{ 'a' is string }} {{ 1 is number }} {{ 1 is integer }} {{ 1.0 is float }} {{ none is none }} {{ true is boolean }}",
      ),
      'True True True True True True',
    );
    assert.equal(
      render(
        "{{ {} is mapping }} {{ [] is iterable }} {{ 'a' is sequence }} {{ range is callable }} {{ 1 is string }}",
      ),
      'True True True True False',
    );
  });

  it('tests odd, even and divisibleby', () => {
    assert.equal(
      render('{{ 3 is odd }} {{ 3 is even }} {{ 9 is divisibleby(3) }} {{ 9 is divisibleby(2) }}'),
      'True False True False',
    );
  });

  it('compares with eq, lt, in, lower and upper, and negates with is not', () => {
    assert.equal(
      render(
        "{{ 1 is eq(1) }} {{ 1 is lt(2) }} {{ 'a' is in('abc') }} {{ 1 is not eq(2) }} {{ 'ab' is lower }} {{ 'AB' is upper }}",
      ),
      'True True True True True True',
    );
  });

  it('tests true and false by identity, not truthiness', () => {
    assert.equal(
      render('{{ true is true }} {{ 1 is true }} {{ false is false }}'),
      'True False True',
    );
  });
});
