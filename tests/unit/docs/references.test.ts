import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerCommands } from '../../../cli/commands/index.js';
import { CONFIG_VARIABLES, parseConfig } from '../../../lib/config.js';

/**
 * What README.md and docs/*.md tell a user to type must exist: every `recostream` command line's
 * options, every HTTP route, every environment variable, and the defaults of the configuration
 * table. A renamed flag or route otherwise lives on in the docs until a user trips over it.
 */

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const DOCS = [
  'README.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

function program(): Command {
  const root = new Command('recostream');
  registerCommands(root);
  return root;
}

/** Every place a doc names a `recostream` command line: `file:line` and the words after `recostream`. */
function commandLines(): { where: string; words: string }[] {
  const names = program()
    .commands.map((c) => c.name())
    .join('|');
  const tableRow = new RegExp(`^\\| \`((?:${names})\\b[^|]*)\\|`);
  const found: { where: string; words: string }[] = [];
  for (const file of DOCS) {
    read(file)
      .split('\n')
      .forEach((text, i) => {
        const where = `${file}:${i + 1}`;
        // The README's command table: `replay <kind> <file> [--map a=b]` / `versions list` / ...
        const row = tableRow.exec(text);
        if (row)
          for (const part of row[1]!.split(' / ')) found.push({ where, words: part.replace(/`/g, '') });
        for (const m of text.matchAll(/recostream ([a-z][^`|;&]*)/g)) found.push({ where, words: m[1]! });
      });
  }
  return found;
}

/** The (sub)command the words name and the options it accepts (its own and its parents'). */
function resolve(words: string): { name: string; options: Set<string>; rest: string } | null {
  let command = program();
  const list = words.trim().split(/\s+/);
  let used = 0;
  for (const word of list) {
    const sub = command.commands.find((c) => c.name() === word);
    if (!sub) break;
    command = sub;
    used++;
  }
  if (used === 0) return null;
  const options = new Set(['--help', '-h']);
  for (let c: Command | null = command; c; c = c.parent)
    for (const o of c.options) {
      if (o.long) options.add(o.long);
      if (o.short) options.add(o.short);
    }
  return { name: command.name(), options, rest: list.slice(used).join(' ') };
}

/** The API's routes as its sources register them: `METHOD /path`, parameters as `:name`. */
function apiRoutes(): string[] {
  const routes: string[] = [];
  const dir = path.join(ROOT, 'api', 'routes');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(path.join(dir, file), 'utf8');
    for (const m of source.matchAll(/app\.(get|post|put|delete)\(\s*(['`])([^'`]+)\2/g)) {
      const method = m[1]!.toUpperCase();
      // The catalog registers its routes once per kind.
      const paths = m[3]!.includes('${kind}')
        ? ['items', 'users'].map((k) => m[3]!.replace('${kind}', k))
        : [m[3]!];
      for (const p of paths) routes.push(`${method} ${p}`);
    }
  }
  return routes;
}

function routeMatches(documented: string, registered: string): boolean {
  const [dm, dp] = documented.split(' ') as [string, string];
  const [rm, rp] = registered.split(' ') as [string, string];
  if (dm !== rm) return false;
  const d = dp.split('/');
  const r = rp.split('/');
  return d.length === r.length && r.every((seg, i) => seg.startsWith(':') || seg === d[i]);
}

/** `/v1/uploads/{interactions,items}` -> one path per alternative. */
function expand(route: string): string[] {
  const m = /\{([^}]+)\}/.exec(route);
  if (!m) return [route];
  return m[1]!.split(',').flatMap((alt) => expand(route.replace(m[0], alt)));
}

describe('README.md and docs/*.md name what exists', () => {
  it('every option of a `recostream` command line is an option of that command', () => {
    const lines = commandLines();
    expect(lines.length).toBeGreaterThan(50);
    const wrong: string[] = [];
    for (const { where, words } of lines) {
      const command = resolve(words);
      if (!command) continue; // prose: "recostream is ...", "recostream itself ..."
      const flags = command.rest.replace(/"[^"]*"|'[^']*'/g, '').matchAll(/(?<![\w-])--?[a-z][\w-]*/g);
      for (const [flag] of flags)
        if (!command.options.has(flag)) wrong.push(`${where}: \`${command.name}\` has no ${flag}`);
    }
    expect(wrong).toEqual([]);
  });

  it('every HTTP route of the API that a doc names is registered', () => {
    const registered = apiRoutes();
    expect(registered.length).toBeGreaterThan(15);
    // Served by plugins rather than the route modules: the OpenAPI documentation and the dashboard's files.
    const plugins = ['GET /docs', 'GET /docs/json', 'GET /dashboard/*'];
    const wrong: string[] = [];
    const routesNamedIn = (file: string) =>
      [...read(file).matchAll(/\b(GET|POST|PUT|DELETE) (\/(?:[^\s`|?),{]|\{[^}\s]*\})*)/g)].flatMap(
        ([, method, route]) => expand(route!).map((p) => `${method} ${p}`),
      );
    // REGISTRY.md documents the schema registry's own REST API, not recostream's; other docs may
    // name the registry routes it documents.
    const registryRoutes = new Set(routesNamedIn('docs/REGISTRY.md'));
    for (const file of DOCS.filter((f) => f !== 'docs/REGISTRY.md')) {
      for (const documented of routesNamedIn(file)) {
        if (plugins.includes(documented) || registryRoutes.has(documented)) continue;
        if (!registered.some((r) => routeMatches(documented, r))) wrong.push(`${file}: ${documented}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('every environment variable a doc names is read by recostream or its tests and tools', () => {
    // Node's own.
    const known = new Set([...CONFIG_VARIABLES, 'NODE_OPTIONS']);
    const sources = ['lib', 'cli', 'embedded', 'topology', 'tests/harness', 'bench'].flatMap((dir) =>
      readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
        .filter((f) => f.endsWith('.ts'))
        .map((f) => readFileSync(path.join(ROOT, dir, f), 'utf8')),
    );
    const compose = read('docker-compose.yml');
    const readSomewhere = (name: string) =>
      sources.some((s) => s.includes(`env.${name}`) || s.includes(`${name}:`)) ||
      compose.includes(`\${${name}`);
    const wrong: string[] = [];
    for (const file of DOCS) {
      for (const [, name] of read(file).matchAll(/`([A-Z][A-Z0-9]*_[A-Z0-9_]+)(?:=[^`]*)?`/g)) {
        if (known.has(name!) || readSomewhere(name!)) continue;
        // Constants named in prose (topology/topics.ts's RAW_PARTITIONS) are not variables.
        if (sources.some((s) => s.includes(`export const ${name} =`))) continue;
        wrong.push(`${file}: ${name}`);
      }
    }
    expect([...new Set(wrong)]).toEqual([]);
  });

  it("the README's configuration table gives each variable's real default", () => {
    const table = /## Configuration\n[\s\S]*?\n\|[\s\S]*?\n\n/.exec(read('README.md'))![0];
    const defaults = parseConfig({});
    let rows = 0;
    for (const [, name, cell] of table.matchAll(/^\| `([A-Z_]+)` \| ([^|]*) \|/gm)) {
      rows++;
      const documented = /^`([^`]*)`/.exec(cell!.trim())?.[1];
      if (documented === undefined) {
        // "unset: ..." — the variable has no default.
        expect(cell!.trim(), name).toMatch(/^unset/);
        expect(parseConfig({})[camel(name!) as keyof typeof defaults], name).toBeUndefined();
        continue;
      }
      expect(parseConfig({ [name!]: documented }), `${name} = ${documented}`).toEqual(defaults);
    }
    expect(rows).toBe(CONFIG_VARIABLES.length);
  });
});

/** API_READ_KEY -> apiReadKey: the Config field of a top-level variable. */
function camel(variable: string): string {
  return variable.toLowerCase().replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}
