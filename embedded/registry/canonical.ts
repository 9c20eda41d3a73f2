/**
 * The identity of an Avro schema: two schema texts that differ only in whitespace, key order,
 * `doc`, `namespace` spelling (short name + namespace vs full name) or `{"type": "string"}` vs
 * `"string"` are the same schema and get the same id.
 *
 * This is the Avro specification's Parsing Canonical Form (full names, primitives as strings,
 * fixed key order, no whitespace, `doc` and custom properties stripped) with one deliberate
 * extension: attributes that change how a reader resolves data — field `default`, `aliases`,
 * non-ascending `order`, enum `default` and logical type annotations — are kept. Plain PCF
 * would make "the same field, now with a default" the same schema as before, and the registry
 * would silently keep the old one (losing the default that a later evolution relies on).
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const LOGICAL_ATTRIBUTES = ['logicalType', 'precision', 'scale'] as const;

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fullName(name: string, namespace: Json | undefined, enclosing: string): string {
  if (name.includes('.')) return name;
  const ns = typeof namespace === 'string' ? namespace : enclosing;
  return ns ? `${ns}.${name}` : name;
}

function namespaceOf(full: string): string {
  const dot = full.lastIndexOf('.');
  return dot < 0 ? '' : full.slice(0, dot);
}

/** JSON with object keys sorted, so that equal default values print equally. */
function sortedJson(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortedJson);
  if (isObject(v)) {
    const out: { [key: string]: Json } = {};
    for (const k of Object.keys(v).sort()) out[k] = sortedJson(v[k]!);
    return out;
  }
  return v;
}

function qualifiedAliases(aliases: Json | undefined, namespace: string): Json[] | undefined {
  if (!Array.isArray(aliases) || aliases.length === 0) return undefined;
  return aliases.map((a) => (typeof a === 'string' ? fullName(a, undefined, namespace) : a));
}

function withLogical(out: { [key: string]: Json }, node: { [key: string]: Json }): void {
  for (const attr of LOGICAL_ATTRIBUTES) if (node[attr] !== undefined) out[attr] = node[attr]!;
}

/**
 * `knownNames` holds the full names of every named type in scope (the schema's own and those of
 * its references), so a short reference resolves to its definition the way Avro parsers do.
 */
export function canonicalSchema(schema: Json, knownNames: ReadonlySet<string>): Json {
  const resolveReference = (name: string, enclosing: string): string => {
    if (PRIMITIVES.has(name) || name.includes('.')) return name;
    const qualified = enclosing ? `${enclosing}.${name}` : name;
    return knownNames.has(qualified) || !knownNames.has(name) ? qualified : name;
  };

  const walk = (node: Json, enclosing: string): Json => {
    if (typeof node === 'string') return resolveReference(node, enclosing);
    if (Array.isArray(node)) return node.map((branch) => walk(branch, enclosing));
    if (!isObject(node)) return node;
    const type = node.type;
    if (typeof type !== 'string') return walk(type ?? null, enclosing);
    switch (type) {
      case 'record':
      case 'error': {
        const name = fullName(String(node.name), node.namespace, enclosing);
        const inner = namespaceOf(name);
        const out: { [key: string]: Json } = { name, type };
        out.fields = (Array.isArray(node.fields) ? node.fields : []).map((f) => {
          const field = isObject(f) ? f : {};
          const o: { [key: string]: Json } = {
            name: field.name ?? null,
            type: walk(field.type ?? null, inner),
          };
          if (field.default !== undefined) o.default = sortedJson(field.default);
          if (Array.isArray(field.aliases) && field.aliases.length > 0) o.aliases = field.aliases;
          if (field.order !== undefined && field.order !== 'ascending') o.order = field.order;
          return o;
        });
        const aliases = qualifiedAliases(node.aliases, inner);
        if (aliases) out.aliases = aliases;
        return out;
      }
      case 'enum': {
        const name = fullName(String(node.name), node.namespace, enclosing);
        const out: { [key: string]: Json } = { name, type, symbols: node.symbols ?? [] };
        if (node.default !== undefined) out.default = node.default;
        const aliases = qualifiedAliases(node.aliases, namespaceOf(name));
        if (aliases) out.aliases = aliases;
        return out;
      }
      case 'fixed': {
        const name = fullName(String(node.name), node.namespace, enclosing);
        const out: { [key: string]: Json } = { name, type, size: node.size ?? null };
        const aliases = qualifiedAliases(node.aliases, namespaceOf(name));
        if (aliases) out.aliases = aliases;
        withLogical(out, node);
        return out;
      }
      case 'array':
        return { type, items: walk(node.items ?? null, enclosing) };
      case 'map':
        return { type, values: walk(node.values ?? null, enclosing) };
      default: {
        // A primitive (or a reference) written as an object: `{"type": "long"}` is "long"
        // unless it carries a logical type.
        const base = resolveReference(type, enclosing);
        if (node.logicalType === undefined) return base;
        const out: { [key: string]: Json } = { type: base };
        withLogical(out, node);
        return out;
      }
    }
  };

  return walk(schema, '');
}
