import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bindContext, renderTemplate } from '../../src/templates/index.js';
import { builtinCalendars } from '../../src/time/index.js';

/**
 * Templates and the output Jinja2 3.1.6 gives for them (rendered with the
 * original's undefined handling and Python's `format` in the context), so
 * these expectations are Jinja's, not ours.
 */
const RENDERS: readonly (readonly [string, string])[] = [
  ['{% set n = 0 %}{% for x in [1, 2] %}{% set n = n + x %}{{ n }},{% endfor %}{{ n }}', '1,2,0'],
  ['{% for x in [1, 0, 2, 0, 3] if x %}{{ x }}/{{ loop.length }} {% endfor %}', '1/3 2/3 3/3 '],
  [
    '{{ 4 / 2 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ -7 % 3 }} {{ 2 ** 100 }} {{ 1.5 * 2 }} {{ 0.1 + 0.2 }} {{ 1 / 3 }} {{ 10.0 ** 16 }} {{ 0.00001 }}',
    '2.0 3 -4 2 1267650600228229401496703205376 3.0 0.30000000000000004 0.3333333333333333 1e+16 1e-05',
  ],
  [
    "{{ [1, 'a', none, true, 2.5] }} {{ (1, 'b') }} {{ {'k': 'v', 'n': [1]} }} {{ [\"it's\"] }} {{ ('a',) }}",
    "[1, 'a', None, True, 2.5] (1, 'b') {'k': 'v', 'n': [1]} [\"it's\"] ('a',)",
  ],
  [
    "{{ 2.5 | round }} {{ 3.5 | round }} {{ 2.675 | round(2) }} {{ 5 | round }} {{ 2.1 | round(0, 'ceil') }}",
    '2.0 4.0 2.67 5 3.0',
  ],
  [
    "{{ '42' | int + 1 }} {{ '42.7' | int }} {{ 'x' | int }} {{ 'ff' | int(base=16) }} {{ '1.5' | float }} {{ 'x' | float }} {{ 7 | float }}",
    '43 42 0 255 1.5 0.0 7.0',
  ],
  [
    "{{ \"they're x-ray\" | title }} {{ 'hELLO' | capitalize }} {{ 'xxaxx' | trim('x') }} {{ 'a-b-c' | replace('-', '+', 1) }}",
    "They're X-Ray Hello a a+b-c",
  ],
  [
    "{{ 'hello wonderful world' | truncate(14, leeway=0) }}|{{ 'a\nb\n\nc' | indent(2) }}|{{ 'a\nb' | indent(2, first=true) }}|{{ 'ab' | center(6) }}|{{ 'one two-three' | wordcount }}",
    'hello...|a\n  b\n\n  c|  a\n  b|  ab  |3',
  ],
  [
    "{{ {'b': [1, 2.5, none, true], 'a': '<x>'} | tojson }}",
    '{"a": "\\u003cx\\u003e", "b": [1, 2.5, null, true]}',
  ],
  [
    "{{ '<a href=\"x\">&' | e }} {{ 'a b/c?d' | urlencode }} {{ {'q': 'a b'} | urlencode }}",
    '&lt;a href=&#34;x&#34;&gt;&amp; a%20b/c%3Fd q=a+b',
  ],
  [
    "{{ ['a', 'b'] | map('upper') | list }} {{ [1, 2, 3, 4] | select('odd') | list }} {{ {'b': 1, 'a': 2} | dictsort }} {{ {'a': 1} | items | list }}",
    "['A', 'B'] [1, 3] [('a', 2), ('b', 1)] [('a', 1)]",
  ],
  [
    "{{ [3, 1, 2] | sort(reverse=true) }} {{ ['b', 'A', 'a'] | sort }} {{ [1, 2, 1, 3] | unique | list }} {{ [4, 2, 9] | min }} {{ [1, 2, 3] | sum }}",
    "[3, 2, 1] ['A', 'a', 'b'] [1, 2, 3] 2 6",
  ],
  [
    "{{ '%05.2f|%3d|%-4s|%x' % (3.14159, 7, 'ab', 255) }} {{ '%(k)s' % {'k': 'v'} }}",
    '03.14|  7|ab  |ff v',
  ],
  [
    "{{ format(3.14159, '.2f') }} {{ format(1234567, ',') }} {{ format(42, '05d') }} {{ format(0.25, '.0%') }} {{ format(255, '#x') }} [{{ format('ab', '^6') }}] {{ format(12345.678, '.3e') }} {{ format(0.0001234, 'g') }}",
    '3.14 1,234,567 00042 25% 0xff [  ab  ] 1.235e+04 0.0001234',
  ],
  [
    "{{ format(2.675, '.2f') }} {{ format(0.125, '.2f') }} {{ format(0.5, '.0f') }} {{ format(1.5, '.0f') }} {{ format(1e20, ',.2f') }} {{ format(-1234.5, '=+12,.1f') }} {{ format(123.456, '10.4') }} {{ format(1.0, 'g') }} {{ format(100000000.0, 'g') }}",
    '2.67 0.12 0 2 100,000,000,000,000,000,000.00 -    1,234.5      123.5 1 1e+08',
  ],
  [
    "{{ '{}-{}'.format('a', 'b') }} {{ '{0}{0}'.format('x') }} {{ '{x:>4}|{y:.2f}'.format(x='ab', y=3.14159) }} {{ '{:*^9,}'.format(12345) }}",
    'a-b xx   ab|3.14 *12,345**',
  ],
  [
    "{{ 'a  b c'.split() }} {{ 'a,b,c'.split(',', 1) }} {{ 'a,b,c'.rsplit(',', 1) }} {{ '7'.zfill(3) }} {{ '-7'.zfill(3) }} {{ 'hello world'.title() }} {{ 'ab'.center(7, '*') }} {{ 'abc'.center(6) }}",
    "['a', 'b', 'c'] ['a', 'b,c'] ['a,b', 'c'] 007 -07 Hello World ***ab**  abc  ",
  ],
  [
    "{{ '2024-01-07'[::-1] }} {{ '2024-01-07'[5:7] }} {{ [1,2,3][-1] }} {{ [1,2,3,4][1::2] }}",
    '70-10-4202 01 3 [2, 4]',
  ],
  [
    '{{ 1 == 1.0 }} {{ 1 < 2 < 3 }} {{ 1 < 3 < 2 }} {{ (1, 2) == [1, 2] }} {{ [1, 2] < [1, 3] }}',
    'True True False False True',
  ],
  [
    "{{ '' or 'b' }} {{ 'a' and 'b' }} {{ [] or 'empty' }} {{ 0 and 1 }} {{ not {} }} {{ not '0' }}",
    'b b empty 0 True False',
  ],
  [
    "{{ true + true }} {{ 'ab' * 2 }} {{ [0] * 3 }} {{ 'n=' ~ 1 ~ none ~ 2.0 }}",
    '2 abab [0, 0, 0] n=1None2.0',
  ],
  ["a {# c #} b|{{- 'x' -}}  |  {%- if true %} y{% endif %}", 'a  b|x| y'],
  [
    "{% macro greet(name, punct='!') %}hi {{ name }}{{ punct }}{% endmacro %}{{ greet('a') }} {{ greet('b', punct='?') }}",
    'hi a! hi b?',
  ],
  ['{% macro w() %}[{{ caller() }}]{% endmacro %}{% call w() %}inner{% endcall %}', '[inner]'],
  [
    "{{ range(3) | list }} {{ dict(a=1) }} {% set j = joiner('+') %}{% for x in [1, 2, 3] %}{{ j() }}{{ x }}{% endfor %}",
    "[0, 1, 2] {'a': 1} 1+2+3",
  ],
  ["{{ {'a': {'b': 1}}}}", "{'a': {'b': 1}}"],
  ['echo ${v#} #}', 'echo ${v#} #}'],
  [
    "{% for c in 'abc' %}{{ c }}-{% endfor %}{% for k in {'x': 1, 'y': 2} %}{{ k }}{% endfor %}",
    'a-b-c-xy',
  ],
  ["{{ 'a\\tb' }} {{ [\"a\\nb\"] }} {{ ['\\x01'] }}", "a\tb ['a\\nb'] ['\\x01']"],
  ['{{ [1.0, 1e300 * 10, -0.0] }}', '[1.0, 1e+301, -0.0]'],
  [
    "{{ 10 | string | length }} {{ 'abc' | list }} {{ 'abc' | reverse }} {{ -3 | abs }} {{ [1, 2] | last }}",
    "2 ['a', 'b', 'c'] cba 3 2",
  ],
  [
    "{{ '%s' % [1, 2] }} {{ '%d%%' % 50 }} {{ '%r' % 'x' }} {{ '%5.1e' % 12345.0 }} {{ '%g' % 0.00001 }}",
    "[1, 2] 50% 'x' 1.2e+04 1e-05",
  ],
  [
    "{{ 'abc'.find('c') }} {{ 'abc'.count('b') }} {{ 'a-b'.partition('-') }} {{ 'AbC'.swapcase() }} {{ ' x '.strip() }}| {{ 'a\\nb'.splitlines() }}",
    "2 1 ('a', '-', 'b') aBc x| ['a', 'b']",
  ],
  [
    "{{ {'a': 1}.get('b', 0) }} {{ {'a': 1}.keys() | list }} {{ [1, 2, 1].count(1) }} {{ ['a', 'b'].index('b') }}",
    "0 ['a'] 2 1",
  ],
  ['line\n\n', 'line\n'],
  ['a\r\nb\r\n', 'a\nb'],
  ['  x  {%- if true -%}  y  {%- endif -%}  z  ', '  xyz  '],
  ['{%- for x in [1,2] -%}\n  {{ x }}\n{%- endfor %}', '12'],
  ['{% raw %}{{ x }}{% endraw %}', '{{ x }}'],
  ['{% filter upper %}ab{% endfilter %}', 'AB'],
  ["{{ 'x' if false }}|", '|'],
  [
    "{{ [1,2,3] | join }} {{ [1, 2] | join(', ') }} {{ 'abc' | first }} {{ [] | list }} {{ 'ab' | length }}",
    '123 1, 2 a [] 2',
  ],
  ['{{ 1e3 }} {{ 1_000 }} {{ 1.5e-3 }} {{ 2E2 }}', '1000.0 1000 0.0015 200.0'],
  ["{{ 'a\\d' }} {{ \"\\x41\\u00e9\" }} {{ 'it\\'s' }}", "a\\d A\u00e9 it's"],
  [
    "{{ [1, 2] | sum(start=10) }} {{ ['b', 'a'] | sort | first }} {{ [[1, 'b'], [0, 'a']] | sort | first }}",
    "13 a [0, 'a']",
  ],
  ["{{ 'Hello World' | lower | replace('world', 'there') | capitalize }}", 'Hello there'],
  [
    "{{ {'b': 1, 'a': 2} | dictsort(by='value') }} {{ {'b': 1, 'a': 2} | dictsort(reverse=true) }}",
    "[('b', 1), ('a', 2)] [('b', 1), ('a', 2)]",
  ],
  [
    "{{ [1, 2, 3, 4] | reject('even') | list }} {{ [0, 1, '', 'a'] | select | list }}",
    "[1, 3] [1, 'a']",
  ],
  [
    "{{ 123 | string | reverse }} {{ '3' | int * 2 }} {{ '0x1A' | int(0, 16) }} {{ '  12  ' | int }}",
    '321 6 26 12',
  ],
  [
    '{{ 1.0 | string }} {{ 100 | float }} {{ 1e16 | float }} {{ 12345678901234567890 }}',
    '1.0 100.0 1e+16 12345678901234567890',
  ],
  [
    "{{ '%.3f' % (2/3) }} {{ '%+d' % 5 }} {{ '%05d' % -42 }} {{ '%-6.2f|' % 3.14159 }} {{ '%o' % 8 }} {{ '%#o' % 8 }} {{ '%X' % 255 }} {{ '%c' % 65 }}",
    '0.667 +5 -0042 3.14  | 10 0o10 FF A',
  ],
  [
    "{{ format(1234.5678, ',.2f') }} {{ format(0.000012, '.2e') }} {{ format(42, 'b') }} {{ format(42, '+') }} {{ format(-42, ' ') }} {{ format(3, '*>5') }} {{ format(1e-7) }} {{ format(123456789012345678.0) }}",
    '1,234.57 1.20e-05 101010 +42 -42 ****3 1e-07 1.2345678901234568e+17',
  ],
  [
    "{{ format(True) }} {{ format(True, 'd') }} {{ format(None) }} {{ format(1.5, '%') }} {{ format(2, '.1f') }} {{ format(5, 'x') }} {{ format(float('nan') if false else 1.0, 'e') }}",
    'True 1 None 150.000000% 2.0 5 1.000000e+00',
  ],
  [
    "{{ 'a,b,,c'.split(',') }} {{ ''.split() }} {{ '  '.split(' ') }} {{ 'a b'.split(None, 0) }}",
    "['a', 'b', '', 'c'] [] ['', '', ''] ['a b']",
  ],
  [
    "{{ 'abcabc'.replace('b', 'X', 1) }} {{ 'abc'.startswith(('x', 'a')) }} {{ 'abc'.endswith('bc') }} {{ 'a.b.c'.rsplit('.', 1)[0] }}",
    'aXcabc True True a.b',
  ],
  [
    "{{ 'hello'.capitalize() }} {{ 'HELLO world'.title() }} {{ 'ab cd'.title() }} {{ 'ab'.ljust(4, '.') }} {{ 'ab'.rjust(4) }}",
    'Hello Hello World Ab Cd ab..   ab',
  ],
  [
    '{% for x in [1,2,3] %}{{ loop.index0 }}{{ loop.revindex0 }}{{ loop.last }} {% endfor %}',
    '02False 11False 20True ',
  ],
  ['{% set x = [1, 2] %}{{ x + [3] }} {{ x[0] + x[-1] }} {{ x | length }}', '[1, 2, 3] 3 2'],
  [
    "{{ {'a': 1}.items() | list }} {{ {'a': 1}.values() | list }} {{ {'a': 1}['a'] }}",
    "[('a', 1)] [1] 1",
  ],
  ['{{ (1, 2)[0] }} {{ (1, 2) + (3,) }} {{ () }} {{ [] }} {{ {} }}', '1 (1, 2, 3) () [] {}'],
  [
    '{{ 10 - 2 - 3 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }} {{ (-2) ** 2 }} {{ 7 % 2 }} {{ 7.5 % 2 }}',
    '5 64 4 4 1 1.5',
  ],
  [
    '{{ 1 if true else 2 if false else 3 }} {{ not true or true }} {{ not (true or true) }} {{ 1 == 1 and 2 == 2 }}',
    '1 True False True',
  ],
  ["{{ 1 if true else 2 if false else 3 }} {{ 'a' if false else 'b' if false else 'c' }}", '1 c'],
  [
    '{{ -1 | abs }} {{ 1 + 1 is odd }} {{ not 1 == 2 }} {{ 3 in [1, 2, 3] and true }}',
    '1 2 True True',
  ],
  [
    "{{ [1, 2, 3][1:] }} {{ 'abcdef'[1:5:2] }} {{ 'abc'[:] }} {{ [1, 2, 3][-2:] }} {{ (1, 2, 3)[::2] }}",
    '[2, 3] bd abc [2, 3] (1, 3)',
  ],
  ["{{ 'abc'.upper().lower() }} {{ [1, 2, 3] | map('string') | join('+') }}", 'abc 1+2+3'],
  ['{% for a, b in [(1, 2), (3, 4)] %}{{ a + b }} {% endfor %}', '3 7 '],
  ['{% for x in range(5) if x is even %}{{ x }}{% else %}none{% endfor %}', '024'],
  ['{% for x in [] if x %}{{ x }}{% else %}none{% endfor %}', 'none'],
  ["{% set a = 'x' %}{% macro m() %}{{ a }}{% endmacro %}{{ m() }}", 'x'],
  [
    '{% for i in range(2) %}{% for j in range(2) %}{{ loop.index }}{% endfor %}{{ loop.index }}|{% endfor %}',
    '121|122|',
  ],
  [
    "{{ \"a\" == 'a' }} {{ 'a' != 'b' }} {{ [1] == [1.0] }} {{ {'a': 1} == {'a': 1} }}",
    'True True True True',
  ],
  ["{{ 3 > 2.5 }} {{ 2 >= 2 }} {{ 'b' > 'a' }} {{ [2] > [1, 5] }}", 'True True True True'],
  [
    '{{ 7.0 // 2 }} {{ -7.5 // 2 }} {{ 5 % -3 }} {{ -5 % 3 }} {{ 5.5 % -2 }} {{ 2 ** -2 }} {{ 2.0 ** 3 }}',
    '3.0 -4.0 -1 1 -0.5 0.25 8.0',
  ],
  [
    '{{ 1000000 * 1000000 * 1000000 }} {{ 10 ** 20 }} {{ 2 ** 0.5 }} {{ 9 ** 0.5 }}',
    '1000000000000000000 100000000000000000000 1.4142135623730951 3.0',
  ],
  [
    '{{ 0.1 * 3 }} {{ 1e22 }} {{ 1e-5 }} {{ 123456789.123456789 }} {{ 100.0 }} {{ 1.5e300 * 1e10 }}',
    '0.30000000000000004 1e+22 1e-05 123456789.12345679 100.0 inf',
  ],
  [
    "{{ '%s|%5s|%-5s|%.2s' % ('x', 'y', 'z', 'abc') }} {{ '%i %u' % (3.9, -2) }} {{ '%e %E %g %G' % (1234.5, 0.00012345, 1e20, 1e-10) }}",
    'x|    y|z    |ab 3 -2 1.234500e+03 1.234500E-04 1e+20 1E-10',
  ],
  ["{{ '%(a)s-%(b)d' % {'a': 'x', 'b': 2} }}", 'x-2'],
  [
    "{{ '{0:>{1}}'.format('x', 5) }} {{ '{:,}'.format(1234567.891) }} {{ '{!r}'.format('a') }} {{ '{0[1]}'.format([5, 6]) }} {{ '{{}}'.format() }}",
    "    x 1,234,567.891 'a' 6 {}",
  ],
  [
    "{{ '%.0f %.0f %.0f %.0f' % (0.5, 1.5, 2.5, -0.5) }} {{ '%.1f' % 0.05 }} {{ '%.2f' % 1.005 }}",
    '0 2 2 -0 0.1 1.00',
  ],
  ["{{ 'x'.join(['a', 'b']) }} {{ ','.join('abc') }}", 'axb a,b,c'],
  [
    "{{ 'Hello'.find('l') }} {{ 'Hello'.rfind('l') }} {{ 'Hello'.index('H') }} {{ 'aaa'.count('a') }} {{ 'a-b-c'.split('-', maxsplit=1) }}",
    "2 3 0 3 ['a', 'b-c']",
  ],
  [
    "{{ '  x  '.lstrip() }}|{{ '  x  '.rstrip() }}|{{ 'xxhixx'.strip('x') }}|{{ 'abc'.removeprefix('a') }}|{{ 'abc'.removesuffix('c') }}",
    'x  |  x|hi|bc|ab',
  ],
  [
    "{{ '12'.isdigit() }} {{ ''.isdigit() }} {{ 'aB'.isupper() }} {{ 'AB1'.isupper() }} {{ ' '.isspace() }} {{ 'a1'.isalnum() }}",
    'True False False True True True',
  ],
  [
    "{{ [3, 1, 2] | sort | reverse | list }} {{ 'cba' | sort | join }} {{ [1, 'a'] | length }}",
    '[3, 2, 1] abc 2',
  ],
  ["{{ [{'n': 'b'}, {'n': 'a'}] | sort(attribute='n') | map(attribute='n') | join }}", 'ab'],
  ["{{ 'AbC' | lower == 'abc' }} {{ ('a' ~ 'b') | upper }}", 'True AB'],
  [
    "{{ 1 | default(2) }} {{ 0 | default(2) }} {{ 0 | default(2, true) }} {{ '' | d('e', true) }}",
    '1 0 2 e',
  ],
  [
    "{{ 3.7 | int }} {{ -3.7 | int }} {{ true | int }} {{ '1e3' | int }} {{ '1e3' | float }} {{ ' 1_000 ' | int }} {{ 'inf' | float }}",
    '3 -3 1 1000 1000.0 1000 inf',
  ],
  [
    '{{ 1.23456 | round(3) }} {{ 1234.5 | round(-2) }} {{ -2.5 | round }} {{ 0.5 | round }} {{ 1.5 | round }}',
    '1.235 1200.0 -2.0 0.0 2.0',
  ],
  ["{{ [1, 2, 3] | first }} {{ 'abc' | last }} {{ [[1]] | first | first }}", '1 c 1'],
  [
    "{{ 'a b' | urlencode }} {{ '\u00e9/?' | urlencode }} {{ [('a', 1), ('b', 'c d')] | urlencode }}",
    'a%20b %C3%A9/%3F a=1&b=c+d',
  ],
  [
    "{{ 'ab\ncd' | indent(width='> ') }}|{{ 'a\n\nb' | indent(2, blank=true) }}",
    'ab\n> cd|a\n  \n  b',
  ],
  [
    "{{ 'a' | tojson }} {{ '\u00e9' | tojson }} {{ [1, 2] | tojson(indent=2) }} {{ {} | tojson }} {{ none | tojson }}",
    '"a" "\\u00e9" [\n  1,\n  2\n] {} null',
  ],
  ['{% set x %}\n  a\n{% endset %}[{{ x }}]', '[\n  a\n]'],
  ['{% if true %}\n  yes\n{% endif %}\n', '\n  yes\n'],
  ['{%- for x in [1, 2] %}\n{{ x }}\n{%- endfor %}', '\n1\n2'],
  ["{{ ''.join([]) }}|{{ [] | join(',') }}|{{ [none] | join }}", '||None'],
  [
    "{{ [1, 2, 3, 4, 5] | batch(2) | list }} {{ [1, 2, 3] | batch(2, 'x') | list }} {{ [1, 2, 3, 4, 5] | slice(2) | list }} {{ [1, 2, 3, 4] | slice(3, 0) | list }}",
    "[[1, 2], [3, 4], [5]] [[1, 2], [3, 'x']] [[1, 2, 3], [4, 5]] [[1, 2], [3, 0], [4, 0]]",
  ],
  [
    "{{ [{'a': 1}, {'a': 0}] | selectattr('a') | list }} {{ [{'a': 1}, {'a': 2}] | rejectattr('a', 'odd') | list }} {{ [{'a': 1}, {'a': 2}] | selectattr('a', 'eq', 2) | list }}",
    "[{'a': 1}] [{'a': 2}] [{'a': 2}]",
  ],
  [
    "{{ '<p>a <b>b</b>&amp; c</p> <!-- x -->' | striptags }} {{ 1 | filesizeformat }} {{ 300 | filesizeformat }} {{ 123456789 | filesizeformat }} {{ 123456789 | filesizeformat(true) }}",
    'a b& c 1 Byte 300 Bytes 123.5 MB 117.7 MiB',
  ],
  ["{{ {'a': [1, 'b']} | pprint }}", "{'a': [1, 'b']}"],
  [
    "{{ x is divisibleby 3 if false else 'no' }} {{ 9 is divisibleby 3 }} {{ 9 is not divisibleby 2 }} {{ none is none and true }} {{ 'a' is string or false }}",
    'no True True True True',
  ],
  ['{{ 1 + 1 is odd }} {{ (1 + 1) is odd }} {{ -3 is odd }} {{ 2 * 3 is even }}', '2 False True 0'],
  ["{{ [1, 2] | first is odd }} {{ 'a' | upper is upper }}", 'True True'],
  [
    "{{ 2 * 7 % 4 }} {{ 2 * 3 // 4 }} {{ 10 / 4 * 2 }} {{ 8 + 2 - 1 }} {{ 'a' ~ 1 * 2 }} {{ 8 - 2 + 1 }} {{ 2 ** 3 * 2 }} {{ 1 + 2 * 3 ** 2 }}",
    '2 1 5.0 9 a2 7 16 19',
  ],
  ["{{ 'a' ~ 1 - 1 if false else 'ok' }}", 'ok'],
  [
    "{{ '\\\\d+' }} {{ 'tab\\there' }} {{ 'q\\'s' }} {{ \"\\u00e9\\U0001F600\" | length }} {{ '\\101' }}",
    "\\d+ tab\there q's 2 A",
  ],
  ["{{ x if false else 'fallback' }}", 'fallback'],
  [
    "{% set items = ['a', 'b', 'c'] %}{% for i in items %}{{ i }}{{ ',' if not loop.last }}{% endfor %}",
    'a,b,c',
  ],
  [
    "{{ (1, 2) | list }} {{ [1, 2] | list | length }} {{ {'a': 1, 'b': 2} | list }}",
    "[1, 2] 2 ['a', 'b']",
  ],
  ['{% macro m(a, b) %}{{ a }}-{{ b }}{% endmacro %}{{ m(1, 2) }} {{ m(b=2, a=1) }}', '1-2 1-2'],
  ['{%- set x = 1 -%}\n{{- x -}}\n', '1'],
  [
    '{{ range(3) }} {{ range(1, 10, 2) }} {{ range(3) | list }} {{ range(3) | length }} {{ 2 in range(3) }} {{ range(3)[1] }} {{ range(3) | sum }} {{ range(0) | list }} {{ [range(2)] }}',
    'range(0, 3) range(1, 10, 2) [0, 1, 2] 3 True 1 3 [] [range(0, 2)]',
  ],
  [
    "{% for i in range(3) %}{{ i }}{% endfor %} {{ range(3) == range(3) }} {{ range(3) | join('-') }}",
    '012 True 0-1-2',
  ],
];

/** Templates Jinja refuses, and its error message. */
const FAILS: readonly (readonly [string, string])[] = [
  ['{{ nope }}', "name 'nope' is not defined"],
  ["{{ 'a' + 1 }}", 'can only concatenate str (not "int") to str'],
  ["{{ 1 + 'a' }}", "unsupported operand type(s) for +: 'int' and 'str'"],
  ["{{ 'a' < 1 }}", "'<' not supported between instances of 'str' and 'int'"],
  ['{{ 1 / 0 }}', 'division by zero'],
  ['{{ 1 // 0 }}', 'integer division or modulo by zero'],
  ["{{ 'abc'() }}", "'str' object is not callable"],
  ["{{ -'a' }}", "bad operand type for unary -: 'str'"],
  ["{{ 1 in 'abc' }}", "'in <string>' requires string as left operand, not int"],
  ['{% for x in 5 %}{% endfor %}', "'int' object is not iterable"],
  ["{{ '%s %s' % ('a',) }}", 'not enough arguments for format string'],
  ["{{ 'a' * 'b' }}", "can't multiply sequence by non-int of type 'str'"],
  [
    "{{ 'abc' | center(9) }}|{{ 'abc' | truncate(2) }}|{{ 'a b c d e f' | truncate(5, true, '..', 0) }}",
    'expected length >= 3, got 2',
  ],
  ['{{ loop }}', "name 'loop' is not defined"],
  ["{{ 'a' ~ 'b' ~ 1 + 2 }}", 'can only concatenate str (not "int") to str'],
  ['{% if nope %}x{% endif %}', "name 'nope' is not defined"],
  [
    "{{ 2 * 7 % 4 }} {{ 2 * 3 // 4 }} {{ 10 / 4 * 2 }} {{ 8 + 2 - 1 }} {{ 'a' ~ 1 * 2 }} {{ 1 - 2 ~ 'x' }}",
    "unsupported operand type(s) for -: 'int' and 'str'",
  ],
  ['{{ True }} {{ TRUE }}', "name 'TRUE' is not defined"],
  ['{{ range(3) + [1] }}', "unsupported operand type(s) for +: 'range' and 'list'"],
];

function render(template: string): string {
  return renderTemplate(
    template,
    bindContext({ runId: 'r1', jobId: 'j', args: {}, calendars: builtinCalendars }),
  );
}

describe('parity with Jinja2', () => {
  for (const [template, expected] of RENDERS) {
    it(`renders ${JSON.stringify(template)} as Jinja does`, () => {
      assert.equal(render(template), expected);
    });
  }

  for (const [template, message] of FAILS) {
    it(`fails on ${JSON.stringify(template)} with Jinja's message`, () => {
      assert.throws(() => render(template), { message });
    });
  }
});
