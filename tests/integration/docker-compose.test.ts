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

function resolvedModel(): { tool: string; model: ComposeModel } {
  const env = cleanEnv();
  if (available('docker', ['compose', 'version'])) {
    const out = execFileSync('docker', ['compose', '-f', FILE, 'config', '--format', 'json'], {
      env,
      timeout: 60_000,
    });
    return { tool: 'docker compose config', model: parse(out.toString()) as ComposeModel };
  }
  if (available('docker-compose', ['version'])) {
    const out = execFileSync('docker-compose', ['-f', FILE, 'config'], { env, timeout: 60_000 });
    return { tool: 'docker-compose config', model: parse(out.toString()) as ComposeModel };
  }
  const raw = parse(readFileSync(FILE, 'utf8'), { merge: true }) as ComposeModel;
  for (const service of Object.values(raw.services)) {
    for (const [key, value] of Object.entries(service.environment ?? {})) {
      service.environment![key] = typeof value === 'string' ? interpolate(value) : value;
    }
  }
  return { tool: 'yaml parser', model: raw };
}

function isRecostream(service: Service): boolean {
  return service.build !== undefined || service.image?.startsWith('recostream') === true;
}

function commandWords(service: Service): string[] {
  if (Array.isArray(service.command)) return service.command;
  return (service.command ?? '').split(/\s+/).filter(Boolean);
}

function registeredCommands(): Set<string> {
  const program = new Command('recostream');
  registerCommands(program);
  return new Set(program.commands.map((c) => c.name()));
}

describe('docker-compose.yml', () => {
  const { tool, model } = resolvedModel();
  const services = model.services;
  const recostream = Object.entries(services).filter(([, s]) => isRecostream(s));

  it(`is valid and has the cluster's services (${tool})`, () => {
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
    for (const infra of ['kafka', 'schema-registry', 'redis', 'clickhouse'])
      expect(services[infra]!.healthcheck).toBeDefined();
    expect(services.processor!.deploy?.replicas).toBe(2);
    expect(commandWords(services.redis!)).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
  });

  it('sets only variables the config module knows, with values it accepts, on every recostream service', () => {
    const known = new Set(CONFIG_VARIABLES);
    for (const [name, service] of recostream) {
      const env = Object.fromEntries(
        Object.entries(service.environment ?? {}).map(([k, v]) => [k, v === null ? '' : String(v)]),
      );
      const unknown = Object.keys(env).filter((k) => !known.has(k));
      expect(unknown, `service ${name}`).toEqual([]);
      // Points at the cluster's services, never at the embedded defaults.
      expect(env.KAFKA_BROKERS, `service ${name}`).toBe('kafka:9092');
      expect(env.SCHEMA_REGISTRY_URL, `service ${name}`).toBe('http://schema-registry:8081');
      expect(env.REDIS_URL, `service ${name}`).toBe('redis://redis:6379');
      const config = parseConfig(env);
      expect(config.clickhouseUrl, `service ${name}`).toMatch(/^http:\/\/recostream:[^@]+@clickhouse:8123$/);
    }
  });

  it('runs recostream commands that exist', () => {
    const registered = registeredCommands();
    for (const [name, service] of recostream) {
      const command = commandWords(service)[0]!;
      if (command.startsWith('-')) continue; // --help
      if (PENDING_COMMANDS.has(command)) continue;
      expect(registered, `service ${name} runs \`recostream ${command}\``).toContain(command);
    }
    // A pending command that got registered is no longer pending: remove it from the list above.
    for (const command of PENDING_COMMANDS) expect(registered.has(command), command).toBe(false);
  });

  it('starts the recostream services after what they need, and the API on every interface', () => {
    const needs = (service: Service) =>
      Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {});
    for (const name of ['processor', 'sink', 'trainer', 'api'])
      expect(needs(services[name]!)).toContain('topology');
    expect(needs(services.topology!)).toEqual(expect.arrayContaining(['kafka', 'schema-registry']));
    expect(needs(services.sink!)).toContain('clickhouse');
    expect(commandWords(services.api!)).toEqual(['api', '--host', '0.0.0.0']);
  });
});
