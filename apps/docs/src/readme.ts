/** The parts of the root README the docs index is made of. */
export interface ReadmeParts {
  title: string;
  intro: string;
  example: string;
}

/**
 * Splits the README into its title (the `# ` heading), its first paragraph, and the code of the first
 * fenced block under the `## Example` heading. Throws if one is missing, so a README edit that breaks
 * the docs fails the build instead of publishing an empty page.
 */
export function readmeParts(markdown: string): ReadmeParts {
  const title = /^# (.+)$/m.exec(markdown)?.[1]?.trim();
  const intro = /^# .+\n+((?:[^\n#`|].*\n?)+)/m.exec(markdown)?.[1]?.trim().replace(/\s*\n\s*/g, ' ');
  const exampleSection = markdown.split(/^## Example\s*$/m)[1];
  const example = exampleSection === undefined ? undefined : /```[a-z]*\n([\s\S]*?)```/.exec(exampleSection)?.[1];
  if (!title) throw new Error('docs: README.md has no "# " title');
  if (!intro) throw new Error('docs: README.md has no paragraph under its title');
  if (!example) throw new Error('docs: README.md has no fenced code block under "## Example"');
  return { title, intro, example };
}
