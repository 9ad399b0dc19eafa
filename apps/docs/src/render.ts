import type { ReadmeParts } from './readme.js';

const htmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for use inside HTML elements and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => htmlEntities[c]);
}

/** Escapes prose and turns its Markdown `code spans` into <code> elements. */
function renderProse(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** Renders the docs index page: title, introduction and the README's example, as one static HTML file. */
export function renderIndex(parts: ReadmeParts): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(parts.title)}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; }
  pre { background: #f4f4f4; padding: 1rem; overflow-x: auto; }
</style>
</head>
<body>
<h1>${escapeHtml(parts.title)}</h1>
<p>${renderProse(parts.intro)}</p>
<h2>Example</h2>
<pre><code class="language-ts">${escapeHtml(parts.example)}</code></pre>
</body>
</html>
`;
}
