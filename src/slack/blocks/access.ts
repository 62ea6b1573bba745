import type { FlowAction, Grant } from '../../core/access/types.js';
import type { KeyRef } from '../../core/keys.js';
import type { Authorization } from '../../core/operations/authorize.js';
import { fitted } from './fit.js';
import { code, escapeMrkdwn } from './mrkdwn.js';
import { type KeyNaming, keyLabel } from './outcome.js';
import { describeRefusal } from './refusal.js';
import type { SlackMessage } from './types.js';

const list = (values: readonly string[]) =>
  values.map((value) => (value === '*' ? 'all' : code(value))).join(', ');

/** `/flow whoami`: only the asker's own grants; never who else has access. */
export function whoamiMessage(grants: readonly Grant[], uncertain: boolean): SlackMessage {
  const lines: string[] = [];
  if (grants.length === 0) {
    lines.push(
      'You have no access to Flowbot. Ask your Flowbot admin to add you or one of your user groups.',
    );
  } else {
    lines.push('*What you may do with Flowbot*');
    for (const grant of grants) {
      const verb = grant.effect === 'allow' ? ':white_check_mark: *may*' : ':no_entry: *may not*';
      const channels = grant.channels
        ? ` · only in ${grant.channels.map((channel) => `<#${channel}>`).join(', ')}`
        : '';
      lines.push(
        `${verb} ${list(grant.actions)} on keys ${list(grant.keys)} · environments ${list(grant.environments)}${channels} _(${escapeMrkdwn(grant.rule)})_`,
      );
    }
    if (grants.some((grant) => grant.effect === 'deny')) lines.push('A “may not” wins over any “may”.');
  }
  if (uncertain)
    lines.push(
      ':warning: Some of your user groups could not be checked (Slack did not answer); there may be more.',
    );
  const text = lines.join('\n');
  return fitted({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
}

/** `/flow can <action> <key>`: yes or no, with the reason. */
export function canMessage(
  action: FlowAction,
  target: KeyRef,
  decision: Authorization,
  naming: KeyNaming,
): SlackMessage {
  const key = keyLabel(target, naming);
  let text: string;
  if (decision.kind === 'refused')
    text = `:no_entry: *No*, you can’t ${action} ${key}. ${describeRefusal(decision.refusal, action)}`;
  else if (decision.approval) {
    text = `:lock: *Yes, with approval*: you may ${action} ${key}, but a second person must approve it first (${escapeMrkdwn(decision.approval.rule)}).`;
  } else
    text = `:white_check_mark: *Yes*, you may ${action} ${key} (granted by ${escapeMrkdwn(decision.grantedBy)}).`;
  return fitted({ text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }] });
}
