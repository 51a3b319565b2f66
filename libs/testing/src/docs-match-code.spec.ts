import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The diagrams and the guides are what students read first: a name in them that the code no longer
 * has is a bug. This test collects the names that `uml/*.puml` and the code spans of `docs/*.md` and
 * `README.md` mention — classes, functions, files, collections, queues, exchanges, headers — and fails
 * for each one that no source file contains.
 */
const root = join(__dirname, '..', '..', '..');
const SOURCE_DIRS = ['apps', 'libs', 'bench', 'scripts', 'tools', 'sql'];
const SOURCE_FILE = /\.(ts|mjs|js|go|sql|sh)$/;

function filesUnder(dir: string, keep: (path: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, keep) : keep(path) ? [path] : [];
  });
}

// The code, without the docs test itself (it names things on purpose).
const code = SOURCE_DIRS.flatMap((d) => filesUnder(join(root, d), (p) => SOURCE_FILE.test(p) && !p.endsWith('docs-match-code.spec.ts')))
  .map((p) => readFileSync(p, 'utf8'))
  .join('\n');
const inCode = (name: string) => new RegExp(`(^|[^\\w$])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\w$])`).test(code);

/** A name the docs use for something in the code, classified by how to check it; null for prose. */
function referenceIn(span: string): { kind: 'file' | 'name'; value: string } | null {
  const s = span.trim();
  if (/^(apps|libs|bench|scripts|tools|sql|uml|docs)\/[\w./-]+\.\w+$/.test(s)) return { kind: 'file', value: s.replace(/:\d+$/, '') };
  if (/^x-acme-[a-z-]+$/.test(s)) return { kind: 'name', value: s };
  if (/^(acme\.sales|proposal\.reader)\.[a-z.]+$/.test(s)) return { kind: 'name', value: s };
  const call = /^([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\(.*\)$/.exec(s);
  if (call) return { kind: 'name', value: call[1]!.split('.').at(-1)! };
  // PascalCase with an inner capital (InboxProjector, not Docker), or camelCase (insertRounds)
  if (/^[A-Z][a-z0-9]+[A-Z][A-Za-z0-9]*$/.test(s) || /^[a-z][a-z0-9]*[A-Z][A-Za-z0-9]*$/.test(s)) return { kind: 'name', value: s };
  return null;
}

function docReferences(): { doc: string; kind: 'file' | 'name'; value: string }[] {
  const docs = [...filesUnder(join(root, 'docs'), (p) => p.endsWith('.md')), join(root, 'README.md')];
  return docs.flatMap((path) => {
    const text = readFileSync(path, 'utf8').replace(/```[\s\S]*?```/g, ''); // commands, not names
    return [...text.matchAll(/`([^`\n]+)`/g)].flatMap((m) => {
      const ref = referenceIn(m[1]!);
      return ref ? [{ doc: relative(root, path), ...ref }] : [];
    });
  });
}

function umlReferences(): { doc: string; kind: 'file' | 'name'; value: string }[] {
  return filesUnder(join(root, 'uml'), (p) => p.endsWith('.puml')).flatMap((path) => {
    const doc = relative(root, path);
    const text = readFileSync(path, 'utf8');
    const refs: { doc: string; kind: 'file' | 'name'; value: string }[] = [];
    for (const m of text.matchAll(/^\s*(?:abstract\s+)?(?:class|interface|enum)\s+("?)([\w.$-]+)\1/gm)) {
      const name = m[2]!;
      refs.push(/\.(ts|mjs)$/.test(name) ? { doc, kind: 'name', value: name.replace(/\.(ts|mjs)$/, '') } : { doc, kind: 'name', value: name });
    }
    for (const m of text.matchAll(/<<collection (\w+)>>/g)) refs.push({ doc, kind: 'name', value: m[1]! });
    // members of classes: `+ name(` or `- name(`
    for (const m of text.matchAll(/^\s*[+-]\s*([A-Za-z_$][\w$]*)\(/gm)) refs.push({ doc, kind: 'name', value: m[1]! });
    for (const m of text.matchAll(/\b(x-acme-[a-z-]+|proposal\.reader\.[a-z]+|acme\.sales\.[a-z]+)\b/g)) refs.push({ doc, kind: 'name', value: m[1]! });
    return refs;
  });
}

describe('the diagrams and guides name only what the code has', () => {
  const refs = [...umlReferences(), ...docReferences()];

  it('finds names to check (the collectors still work)', () => {
    expect(refs.filter((r) => r.doc.startsWith('uml/')).length).toBeGreaterThan(50);
    expect(refs.filter((r) => !r.doc.startsWith('uml/')).length).toBeGreaterThan(50);
  });

  it('has every class, function, collection, queue and header they name in the code', () => {
    const missing = refs.filter((r) => r.kind === 'name' && !inCode(r.value)).map((r) => `${r.doc}: ${r.value}`);
    expect([...new Set(missing)]).toEqual([]);
  });

  it('has every file they name (but those a run writes, such as bench/results/)', () => {
    const generated = /^(bench\/results|test-results)\//;
    const missing = refs.filter((r) => r.kind === 'file' && !generated.test(r.value) && !existsSync(join(root, r.value))).map((r) => `${r.doc}: ${r.value}`);
    expect([...new Set(missing)]).toEqual([]);
  });
});
