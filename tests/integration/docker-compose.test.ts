import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registerCommands } from '../../cli/commands/index.js';
import { CONFIG_VARIABLES, parseConfig } from '../../lib/config.js';

/**
 * docker-compose.yml is what a team runs when it outgrows one machine, with nothing changed in
 * the code: so its recostream services may only set variables the config module reads (a typo
 * there would be silently ignored), with values the config accepts, and run commands that exist.
 * The file is resolved by Compose itself when a client is installed (`docker compose config`,
 * else Debian's `docker-compose config`; neither needs an engine), else parsed with a YAML parser.
 */

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const FILE = path.join(ROOT, 'docker-compose.yml');

/** Commands a service may name before they are registered; each must really be missing (see below). */
const PENDING_COMMANDS = new Set<string>();

interface Service {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null>;
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: unknown;
  profiles?: string[];
}

interface ComposeModel {
  services: Record<string, Service>;
}

/** The environment Compose interpolates with: none of ours, so the file's own defaults apply. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of [...CONFIG_VARIABLES, 'CLICKHOUSE_PASSWORD']) delete env[key];
  return env;
}

function available(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 30_000 });
  return !r.error && r.status === 0;
}

/** `${VAR:-default}` and `${VAR}` as Compose expands them, for the parser fallback. */
function interpolate(value: string): string {
  return value.replace(
    /\$\{(\w+)(?::?-([^}]*))?\}/g,
    (_, _name: string, fallback?: string) => fallback ?? '',
  );
}

/**
 * The file as every Compose client on the machine resolves it (`docker compose` v2 and Debian's
 * `docker-compose` v1 may both be there, and read the file differently); parsed with a YAML parser
 * when there is none.
 */
function resolvedModels(): { tool: string; model: ComposeModel }[] {
  const env = cleanEnv();
  const models: { tool: string; model: ComposeModel }[] = [];
  if (available('docker', ['compose', 'version'])) {
    const out = execFileSync('docker', ['compose', '-f', FILE, 'config', '--format', 'json'], {
      env,
      timeout: 60_000,
    });
    models.push({ tool: 'docker compose config', model: parse(out.toString()) as ComposeModel });
  }
  if (available('docker-compose', ['version'])) {
    const out = execFileSync('docker-compose', ['-f', FILE, 'config'], { env, timeout: 60_000 });
    models.push({ tool: 'docker-compose config', model: parse(out.toString()) as ComposeModel });
  }
  if (models.length > 0) return models;
  const raw = parse(readFileSync(FILE, 'utf8'), { merge: true }) as ComposeModel;
  for (const service of Object.values(raw.services)) {
    for (const [key, value] of Object.entries(service.environment ?? {})) {
      service.environment![key] = typeof value === 'string' ? interpolate(value) : value;
    }
  }
  return [{ tool: 'yaml parser', model: raw }];
}

function isRecostream(service: Service): boolean {
  return service.build !== undefined || service.image?.startsWith('recostream') === true;
}

function commandWords(service: Service): string[] {
  if (Array.isArray(service.command)) return service.command;
  return (service.command ?? '').split(/\s+/).filter(Boolean);
}

function program(): Command {
  const root = new Command('recostream');
  registerCommands(root);
  return root;
}

function registeredCommands(): Set<string> {
  return new Set(program().commands.map((c) => c.name()));
}

/** The `--flags` of a service's command line that its (sub)command does not define. */
function unknownFlags(words: string[]): string[] {
  let command = program();
  for (const word of words) {
    const sub = command.commands.find((c) => c.name() === word);
    if (!sub) break;
    command = sub;
  }
  const known = new Set(['--help', ...command.options.map((o) => o.long)]);
  return words.filter((w) => w.startsWith('--') && !known.has(w));
}

/** A service's environment as the strings a process would see. */
function envOf(service: Service): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]),
  );
}

/** `--flag value` of a command, or undefined. */
function flag(words: string[], name: string): string | undefined {
  const i = words.indexOf(name);
  return i < 0 ? undefined : words[i + 1];
}

function healthcheckText(service: Service): string {
  const test = (service.healthcheck as { test?: string[] | string } | undefined)?.test;
  return Array.isArray(test) ? test.join(' ') : (test ?? '');
}

function dependencies(service: Service): Record<string, string | undefined> {
  if (Array.isArray(service.depends_on))
    return Object.fromEntries(service.depends_on.map((name) => [name, undefined]));
  return Object.fromEntries(Object.entries(service.depends_on ?? {}).map(([name, d]) => [name, d.condition]));
}

describe.each(resolvedModels())('docker-compose.yml ($tool)', ({ model }) => {
  const services = model.services;
  const recostream = Object.entries(services).filter(([, s]) => isRecostream(s));

  it("is valid and has the cluster's services, with healthchecks", () => {
    for (const name of [
      'kafka',
      'schema-registry',
      'redis',
      'clickhouse',
      'topology',
      'processor',
      'sink',
      'trainer',
      'api',
    ]) {
      expect(Object.keys(services)).toContain(name);
    }
    expect(recostream.map(([name]) => name).sort()).toEqual([
      'api',
      'cli',
      'processor',
      'sink',
      'topology',
      'trainer',
    ]);
    for (const name of [
      'kafka',
      'schema-registry',
      'redis',
      'clickhouse',
      'processor',
      'sink',
      'trainer',
      'api',
    ])
      expect(services[name]!.healthcheck, name).toBeDefined();
    expect(services.processor!.deploy?.replicas).toBe(2);
    expect(commandWords(services.redis!)).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
    // The healthchecks of services with no API ask the port the service serves its health on.
    for (const name of ['processor', 'sink', 'trainer']) {
      const port = flag(commandWords(services[name]!), '--health-port');
      expect(port, name).toBeDefined();
      expect(healthcheckText(services[name]!), name).toContain(`127.0.0.1:${port}/health`);
    }
  });

  it('sets only variables the config module knows, with values it accepts, on every recostream service', () => {
    const known = new Set(CONFIG_VARIABLES);
    for (const [name, service] of recostream) {
      const env = envOf(service);
      const unknown = Object.keys(env).filter((k) => !known.has(k));
      expect(unknown, `service ${name}`).toEqual([]);
      expect(() => parseConfig(env), `service ${name}`).not.toThrow();
    }
  });

  it("points every recostream service at the cluster's services as they are configured", () => {
    const kafka = envOf(services.kafka!);
    const advertised = kafka.KAFKA_ADVERTISED_LISTENERS!.split(',').map((l) => l.replace(/^\w+:\/\//, ''));
    const registryPort = new URL(envOf(services['schema-registry']!).SCHEMA_REGISTRY_LISTENERS!).port;
    const clickhouse = envOf(services.clickhouse!);
    const apiPort = new URL(`http://x:${envOf(services.api!).API_PORT ?? 3000}`).port;
    for (const [name, service] of recostream) {
      const config = parseConfig(envOf(service));
      // Never the embedded defaults: each address names a service of this file, as it listens.
      for (const broker of config.kafkaBrokers) expect(advertised, `service ${name}`).toContain(broker);
      expect(config.kafkaBrokers[0], `service ${name}`).toMatch(/^kafka:/);
      expect(config.schemaRegistryUrl, `service ${name}`).toBe(`http://schema-registry:${registryPort}`);
      expect(config.redisUrl, `service ${name}`).toBe('redis://redis:6379');
      const ch = new URL(config.clickhouseUrl ?? 'http://unset');
      expect(`${ch.hostname}:${ch.port}`, `service ${name}`).toBe('clickhouse:8123');
      expect(decodeURIComponent(ch.username), `service ${name}`).toBe(clickhouse.CLICKHOUSE_USER);
      expect(decodeURIComponent(ch.password), `service ${name}`).toBe(clickhouse.CLICKHOUSE_PASSWORD);
    }
    // The published port is the one the API listens on.
    const published = (services.api as { ports?: ({ target?: number } | string)[] }).ports ?? [];
    const targets = published.map((p) => (typeof p === 'string' ? p.split(':').at(-1) : String(p.target)));
    expect(targets).toContain(apiPort);
  });

  it('runs recostream commands that exist, with options they have', () => {
    const registered = registeredCommands();
    for (const [name, service] of recostream) {
      const command = commandWords(service)[0]!;
      if (command.startsWith('-')) continue; // --help
      if (PENDING_COMMANDS.has(command)) continue;
      expect(registered, `service ${name} runs \`recostream ${command}\``).toContain(command);
      expect(unknownFlags(commandWords(service)), `service ${name}`).toEqual([]);
    }
    // A pending command that got registered is no longer pending: remove it from the list above.
    for (const command of PENDING_COMMANDS) expect(registered.has(command), command).toBe(false);
  });

  it('starts each service once what it needs is healthy (or, for topology, done), the API on every interface', () => {
    const topology = dependencies(services.topology!);
    expect(topology.kafka).toBe('service_healthy');
    expect(topology['schema-registry']).toBe('service_healthy');
    expect(dependencies(services['schema-registry']!).kafka).toBe('service_healthy');
    for (const name of ['processor', 'sink', 'trainer', 'api'])
      expect(dependencies(services[name]!).topology, name).toBe('service_completed_successfully');
    for (const [name, needs] of [
      ['processor', ['redis']],
      ['sink', ['clickhouse']],
      ['trainer', ['redis', 'clickhouse']],
      ['api', ['redis', 'clickhouse']],
    ] as const) {
      for (const need of needs)
        expect(dependencies(services[name]!)[need], `${name} -> ${need}`).toBe('service_healthy');
    }
    expect(commandWords(services.api!)).toEqual(['api', '--host', '0.0.0.0']);
  });
});

/**
 * The image every recostream service runs: built in stages (the build's dev dependencies stay
 * out of the final image), production dependencies through `npm ci --omit=dev` (exactly the
 * lock's versions), run as a non-root user, with every folder the build reads copied in.
 */
describe('Dockerfile', () => {
  const text = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: string[][] = [];
  for (const line of lines) {
    if (/^FROM\s/i.test(line)) stages.push([]);
    stages.at(-1)?.push(line);
  }
  const final = stages.at(-1)!;
  const copied = (stage: string[]) =>
    stage
      .filter((l) => /^COPY\s/i.test(l) && !/--from=/.test(l))
      .flatMap((l) =>
        l
          .replace(/^COPY\s+/i, '')
          .split(/\s+/)
          .slice(0, -1),
      );

  it('is multi-stage, installs with npm ci --omit=dev and runs as a non-root user', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(text).toMatch(/npm ci --omit=dev/);
    expect(text).not.toMatch(/npm install/);
    const user = final.filter((l) => /^USER\s/i.test(l)).at(-1);
    expect(user).toBeDefined();
    expect(user!.split(/\s+/)[1]).not.toMatch(/^(root|0)(:|$)/);
  });

  it("can run npm ci: package-lock.json lists every optional dependency, other platforms' too", () => {
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { optionalDependencies?: Record<string, string> }>;
    };
    const missing: string[] = [];
    for (const [where, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        // npm resolves a dependency in the nearest node_modules up the tree.
        const candidates = [where ? `${where}/node_modules/${name}` : '', `node_modules/${name}`];
        if (!candidates.some((c) => c && lock.packages[c]))
          missing.push(`${name} (of ${where || 'the root'})`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('copies into the build stage every folder `npm run build` compiles or bundles', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const tsconfig = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as {
      include: string[];
    };
    const bundled = [...pkg.scripts['build:dashboard']!.matchAll(/\s\w+=(\w+)\//g)].map((m) => m[1]!);
    const build = stages.find((stage) => stage.some((l) => /npm run build/.test(l)));
    expect(build).toBeDefined();
    const sources = copied(build!);
    for (const folder of [...tsconfig.include, ...bundled]) expect(sources, folder).toContain(folder);
  });
});
