import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TemplateCache, templateCache } from '../../src/templates/compile.js';
import { checkTemplate, TemplateSyntaxError } from '../../src/templates/index.js';

describe('template cache', () => {
  it('compiles a source once and reuses it', () => {
    const cache = new TemplateCache(10);
    const first = cache.get('{{ a }}');
    assert.equal(cache.get('{{ a }}'), first);
    assert.equal(cache.size, 1);
  });

  it('evicts the least recently used template when full', () => {
    const cache = new TemplateCache(2);
    cache.get('{{ a }}');
    cache.get('{{ b }}');
    cache.get('{{ a }}');
    cache.get('{{ c }}');
    assert.equal(cache.has('{{ a }}'), true);
    assert.equal(cache.has('{{ b }}'), false);
    assert.equal(cache.has('{{ c }}'), true);
    assert.equal(cache.size, 2);
  });

  it('does not cache templates with syntax errors', () => {
    const cache = new TemplateCache(2);
    assert.throws(() => cache.get('{{ a'), TemplateSyntaxError);
    assert.equal(cache.size, 0);
  });

  it('is bounded by default', () => {
    assert.ok(Number.isFinite(templateCache.capacity));
    checkTemplate('{{ cached_by_check }}');
    assert.equal(templateCache.has('{{ cached_by_check }}'), true);
  });
});
