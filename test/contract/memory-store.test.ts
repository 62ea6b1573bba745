import { MemoryStateStore } from '../../src/core/store/memory-store.js';
import { describeStateStoreContract } from './state-store.contract.js';

describeStateStoreContract('MemoryStateStore', async (clock) => {
  const store = new MemoryStateStore(clock.now);
  return { store, cleanup: () => store.close() };
});
