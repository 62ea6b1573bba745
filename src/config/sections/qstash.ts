import type { QStashEnvironmentSettings } from '../../core/qstash/environments.js';
import type { Config } from '../config.js';
import { DEFAULTS } from '../defaults.js';
import { type EnvReader, splitList } from '../env-reader.js';
import { httpUrl, wholeNumber } from './checks.js';

const ENVIRONMENT_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/**
 * The QStash environments: `QSTASH_URL`/`QSTASH_TOKEN` for one, or `FLOW_ENVIRONMENTS` naming several, each
 * with `QSTASH_URL_<NAME>` and `QSTASH_TOKEN_<NAME>`. The first is the default.
 */
export function readQStash(env: EnvReader): Config['qstash'] {
  const listed = env.read('FLOW_ENVIRONMENTS');
  return {
    environments: listed === undefined ? [single(env)] : several(env, listed),
    limit: {
      maxConcurrent:
        env.checked(
          'QSTASH_MAX_CONCURRENT',
          env.read('QSTASH_MAX_CONCURRENT') ?? DEFAULTS.QSTASH_MAX_CONCURRENT,
          wholeNumber(1, 10_000),
          'a whole number of calls from 1 to 10000',
        ) ?? 1,
      maxQueued:
        env.checked(
          'FLOW_MAX_QUEUED',
          env.read('FLOW_MAX_QUEUED') ?? DEFAULTS.FLOW_MAX_QUEUED,
          wholeNumber(0, 1_000_000),
          'a whole number of waiting calls from 0 to 1000000',
        ) ?? 0,
    },
  };
}

/**
 * QStash's base URL is the host alone: Flowbot adds `/v2/…` itself, so a URL carrying a path (`…/v2`, copied
 * from an example request) would double it and every call would hit an unknown route. Refused at startup,
 * rather than quietly rewritten, so the setting says what Flowbot really calls.
 */
function url(env: EnvReader, name: string, value: string): string {
  if (!httpUrl.safeParse(value).success) {
    env.invalid(name, 'must be an http(s) URL without credentials');
    return value;
  }
  const parsed = new URL(value);
  if (parsed.pathname !== '/' || parsed.search !== '' || parsed.hash !== '')
    env.invalid(
      name,
      `must be QStash's base URL without a path, query or fragment (e.g. ${parsed.origin}); Flowbot adds /v2/… itself`,
    );
  return value;
}

function single(env: EnvReader): QStashEnvironmentSettings {
  const token = env.required('QSTASH_TOKEN', 'the QStash token from the Upstash console (QStash → Settings)');
  return {
    name: 'default',
    url: url(env, 'QSTASH_URL', env.read('QSTASH_URL') ?? DEFAULTS.QSTASH_URL),
    token: token ?? '',
    settingNames: { url: 'QSTASH_URL', token: 'QSTASH_TOKEN' },
  };
}

function several(env: EnvReader, listed: string): QStashEnvironmentSettings[] {
  const names = splitList(listed);
  if (names.length === 0)
    env.invalid('FLOW_ENVIRONMENTS', 'list at least one environment name, e.g. prod,staging');
  const environments: QStashEnvironmentSettings[] = [];
  const seen = new Set<string>();
  const suffixes = new Map<string, string>();
  for (const name of names) {
    if (!ENVIRONMENT_NAME.test(name)) {
      env.invalid(
        'FLOW_ENVIRONMENTS',
        `${JSON.stringify(name.slice(0, 32))} is not a valid name (lower-case letters, digits, - and _, starting with a letter)`,
      );
      continue;
    }
    if (seen.has(name)) {
      env.invalid('FLOW_ENVIRONMENTS', `"${name}" is listed twice`);
      continue;
    }
    seen.add(name);
    const suffix = name.toUpperCase().replace(/-/g, '_');
    if (suffixes.has(suffix)) {
      env.invalid(
        'FLOW_ENVIRONMENTS',
        `"${name}" and "${suffixes.get(suffix)}" would both read QSTASH_*_${suffix}`,
      );
      continue;
    }
    suffixes.set(suffix, name);
    const token = env.required(`QSTASH_TOKEN_${suffix}`, `the QStash token of the "${name}" environment`);
    const urlName = `QSTASH_URL_${suffix}`;
    const given = env.required(
      urlName,
      `the QStash URL of the "${name}" environment (e.g. ${DEFAULTS.QSTASH_URL})`,
    );
    environments.push({
      name,
      url: given === undefined ? DEFAULTS.QSTASH_URL : url(env, urlName, given),
      token: token ?? '',
      settingNames: { url: urlName, token: `QSTASH_TOKEN_${suffix}` },
    });
  }
  return environments;
}
