import type { Services } from '../../services.js';
import { confirmFromButton } from './confirm-button.js';

/** Pause from a card: asks the clicker to confirm, like `/flow pause`. */
export function flowPauseButton(services: Services) {
  return confirmFromButton(services, 'pause', { action: 'pause' });
}
