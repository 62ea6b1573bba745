import { z } from 'zod';
import type { Config } from '../config.js';
import type { EnvReader } from '../env-reader.js';
import { httpUrl } from './checks.js';

/** The Slack app: bot token, and the app token (Socket Mode) or the signing secret (HTTP mode). */
export function readSlack(env: EnvReader): Config['slack'] {
  const botToken = env.required(
    'SLACK_BOT_TOKEN',
    'the bot token (xoxb-…) from your Slack app’s OAuth & Permissions page',
  );
  env.checked('SLACK_BOT_TOKEN', botToken, z.string().startsWith('xoxb-'), 'a bot token starts with xoxb-');
  const appToken = env.read('SLACK_APP_TOKEN');
  env.checked(
    'SLACK_APP_TOKEN',
    appToken,
    z.string().startsWith('xapp-'),
    'an app-level token starts with xapp-',
  );
  const signingSecret =
    appToken === undefined
      ? env.required(
          'SLACK_SIGNING_SECRET',
          'the signing secret from your Slack app’s Basic Information page (HTTP mode), or set SLACK_APP_TOKEN to use Socket Mode instead (no public URL needed)',
        )
      : env.read('SLACK_SIGNING_SECRET');
  env.checked(
    'SLACK_SIGNING_SECRET',
    signingSecret,
    z.string().regex(/^[0-9a-zA-Z]{16,128}$/),
    appToken === undefined
      ? 'expected the hex signing secret from Basic Information'
      : 'expected the hex signing secret from Basic Information (Socket Mode doesn’t use it: leave it empty)',
  );
  const apiUrl = env.checked(
    'SLACK_API_URL',
    env.read('SLACK_API_URL'),
    httpUrl,
    'must be an http(s) URL without credentials',
  );
  return {
    botToken: botToken ?? '',
    signingSecret,
    appToken,
    apiUrl: apiUrl === undefined ? undefined : withTrailingSlash(apiUrl),
  };
}

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
