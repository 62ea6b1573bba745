import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { ACTION_IDS } from '../../blocks/action-ids.js';
import type { ListenerContext } from '../../context.js';
import { flowResumeButton } from './flow-resume.js';

export function registerActions(app: App, context: ListenerContext): void {
  app.action<BlockAction<ButtonAction>>(
    { action_id: ACTION_IDS.resume, type: 'block_actions' },
    flowResumeButton(context),
  );
}
