import type { ListenerContext } from '../../context.js';
import { confirmFromButton } from './confirm-button.js';

/** Pause from a card: asks the clicker to confirm, like `/flow pause`. */
export function flowPauseButton(context: ListenerContext) {
  return confirmFromButton(context, 'pause', (target) => ({ action: 'pause', target }));
}
