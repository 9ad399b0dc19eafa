import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readmeParts } from '../src/readme.js';
import { escapeHtml, renderIndex } from '../src/render.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('readmeParts', () => {
  it('takes the title, the first paragraph and the first code block under "## Example"', () => {
    const parts = readmeParts('# Name\n\nFirst line\nsecond line.\n\n## Other\n```sh\nno\n```\n## Example\n\n```ts\nconst a = 1;\n```\n');
    expect(parts).toEqual({ title: 'Name', intro: 'First line second line.', example: 'const a = 1;\n' });
  });

  it('names what is missing', () => {
    expect(() => readmeParts('# Name\n\nText.\n')).toThrow(/no fenced code block under "## Example"/);
    expect(() => readmeParts('Text only.\n')).toThrow(/no "# " title/);
  });

  it('finds all three parts in the repository README', () => {
    const parts = readmeParts(readme);
    expect(parts.title).toBe('Tessera');
    expect(parts.example).toContain("from '@tessera/core'");
  });
});

describe('renderIndex', () => {
  it('escapes HTML in every part', () => {
    expect(escapeHtml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
    const html = renderIndex({ title: 'T<1>', intro: 'a & b', example: 'if (a < b) {}' });
    expect(html).toContain('<title>T&lt;1&gt;</title>');
    expect(html).toContain('<p>a &amp; b</p>');
    expect(html).toContain('<code class="language-ts">if (a &lt; b) {}</code>');
  });

  it('renders code spans in the introduction as <code>', () => {
    const html = renderIndex({ title: 'T', intro: 'call `tidy(() => a < b)` here', example: '' });
    expect(html).toContain('<p>call <code>tidy(() =&gt; a &lt; b)</code> here</p>');
  });
});
