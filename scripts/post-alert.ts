import 'dotenv/config';
import { formatConfigProblems, loadConfig } from '../src/config/load-config.js';
import { scrubSecrets, secretsOf } from '../src/logger.js';
import { postAlert } from '../src/tools/post-alert.js';

const loaded = loadConfig(process.env);
if (loaded.kind === 'invalid') {
  process.stderr.write(`${formatConfigProblems(loaded.problems)}\n`);
  process.exit(1);
}
const result = await postAlert(process.argv.slice(2), loaded.config);
if (result.kind === 'posted') {
  process.stdout.write(`Posted to ${result.channel} at ts ${result.ts}\n`);
} else {
  process.stderr.write(`${scrubSecrets(result.problem, secretsOf(loaded.config))}\n`);
  process.exit(1);
}
