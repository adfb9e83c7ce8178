import { parentPort, workerData } from 'node:worker_threads';
import { createRegistry } from '../../../terminology/shipped-layer.js';
import { MapLayer } from '../../../terminology/layers.js';
import { createValidator } from '../index.js';
import { ProfileValidator } from '../profile-validator.js';
import { itemResource, type FromThread, type ThreadData, type ToThread } from './messages.js';

/**
 * A validation worker thread (ValidationThreads): the same full validation as the
 * request thread (ProfileValidator over the R4 package, what we ship and what the
 * request thread last loaded from the database), answering each batch in order.
 */
const port = parentPort;
if (port === null) throw new Error('validation-thread.ts runs as a worker thread');
const data = workerData as ThreadData;
const registry = createRegistry();
const validator = new ProfileValidator(createValidator(), registry, {
  unknownProfile: data.unknownProfile,
  requiredProfiles: new Map(data.requiredProfiles),
});

port.on('message', (m: ToThread) => {
  if (m.kind === 'runtime') {
    registry.replaceRuntime(new MapLayer(m.resources));
    return;
  }
  const reply: FromThread = { kind: 'validated', id: m.id, issues: m.items.map((item) => validator.validate(itemResource(item))) };
  port.postMessage(reply);
});
const ready: FromThread = { kind: 'ready' };
port.postMessage(ready);
