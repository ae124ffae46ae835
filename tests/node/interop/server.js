// A grpc-js server with the behaviours of tests/MeshProxy.Grpc.Tests/Infrastructure/TestService.cs, for our client to
// call. Usage: node interop/server.js; prints "LISTENING <port>" and runs until stdin closes.
'use strict';
const { grpc, load, rpcStatusWithDebugInfo } = require('./protos');

const { proto } = load();
const cancellations = new Map(); // test id -> { reason, waiters }

function noteCancellation(testId, reason) {
  const entry = cancellations.get(testId) || { reason: null, waiters: [] };
  entry.reason = reason;
  cancellations.set(testId, entry);
  entry.waiters.splice(0).forEach((w) => w(reason));
}
function whenCancelled(testId, callback) {
  const entry = cancellations.get(testId) || { reason: null, waiters: [] };
  cancellations.set(testId, entry);
  if (entry.reason) callback(entry.reason); else entry.waiters.push(callback);
}
// getDeadline() gives a Date or a number of ms since the epoch (Infinity when the client sent no grpc-timeout).
function deadlineMs(call) {
  const deadline = call.getDeadline();
  return deadline instanceof Date ? deadline.getTime() : Number(deadline);
}

// Records under the call's x-test-id how it ended: 'deadline' once its deadline has passed, else 'cancelled'.
function noteWhenCancelled(call) {
  const testId = String(call.metadata.get('x-test-id')[0] || 'none');
  const deadline = deadlineMs(call);
  call.on('cancelled', () => {
    const expired = Number.isFinite(deadline) && Date.now() >= deadline - 5;
    noteCancellation(testId, expired ? 'deadline' : 'cancelled');
  });
}

function labelsOf(metadata) {
  const labels = {};
  for (const [key, value] of Object.entries(metadata.getMap())) {
    labels[key] = Buffer.isBuffer(value) ? 'base64:' + value.toString('base64') : String(value);
  }
  return labels;
}

function getUser(call, callback) {
  const id = call.request.user_id;
  if (id === 'echo-metadata') {
    const headers = new grpc.Metadata();
    headers.add('x-resp-header', 'header-value');
    headers.add('x-resp-bin', Buffer.from([0xde, 0xad, 0xbe, 0xef]));
    call.sendMetadata(headers);
    const trailers = new grpc.Metadata();
    trailers.add('x-resp-trailer', 'trailer-value');
    trailers.add('x-trailer-bin', Buffer.from([1, 2, 3, 0xff]));
    callback(null, { user_id: id, labels: labelsOf(call.metadata) }, trailers);
  } else if (id === 'deadline-info') {
    const deadline = deadlineMs(call);
    const remaining = Number.isFinite(deadline) ? String(deadline - Date.now()) : 'none';
    callback(null, { user_id: id, display_name: remaining });
  } else if (id === 'wait-for-cancel') {
    call.sendMetadata(new grpc.Metadata());
    noteWhenCancelled(call);
  } else if (id.startsWith('cancel-seen:')) {
    whenCancelled(id.substring('cancel-seen:'.length), (reason) => callback(null, { user_id: id, display_name: reason }));
  } else if (id === 'error-details') {
    const message = 'precondition failed: ünïcode % 100';
    const trailers = new grpc.Metadata();
    trailers.add('x-error-trailer', 'yes');
    trailers.add('grpc-status-details-bin', rpcStatusWithDebugInfo(9, message, 'TEST_REASON'));
    callback({ code: grpc.status.FAILED_PRECONDITION, details: message, metadata: trailers });
  } else if (id.startsWith('status:')) {
    callback({ code: Number(id.substring('status:'.length)), details: 'status ' + id });
  } else if (id === 'throw') {
    callback(new Error('secret detail'));
  } else if (id === 'not-found') {
    callback({ code: grpc.status.NOT_FOUND, details: 'user not found' });
  } else {
    callback(null, { user_id: id, display_name: 'User ' + id });
  }
}

const server = new grpc.Server({ 'grpc.default_compression_algorithm': 2 /* gzip */ });
server.addService(proto.users.v1.UserService.service, {
  GetUser: getUser,
  CreateUser: (call, callback) => callback(null, call.request.user || {}),
  ListUsers: (call) => {
    for (let i = 0; i < call.request.page_size; i++) call.write({ user_id: 'u' + i, plan: call.request.plan });
    if (call.request.plan === 'PLAN_PRO') {
      noteWhenCancelled(call); // after the messages, wait until the deadline or the client ends the call
    } else if (call.request.plan === 'PLAN_ENTERPRISE') {
      call.emit('error', { code: grpc.status.ABORTED, details: 'stream aborted after messages' });
    } else {
      call.end();
    }
  },
  SyncUsers: (call) => {
    call.on('data', (change) => {
      if (change.change === 'upsert') call.write({ user_id: change.upsert.user_id, user: change.upsert });
      else call.write({ user_id: change.delete_user_id, deleted: true });
    });
    call.on('end', () => call.end());
  },
});
server.addService(proto.payments.v1.PaymentService.service, {
  BatchCharge: (call, callback) => {
    const summary = { succeeded: 0, total: { currency_code: 'EUR', units: 0 }, charge_ids: [] };
    call.on('data', (charge) => {
      summary.succeeded++;
      summary.charge_ids.push(charge.idempotency_key);
      summary.total.units += Number((charge.amount && charge.amount.units) || 0);
    });
    call.on('end', () => callback(null, summary));
  },
});
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) { console.error(error); process.exit(1); }
  console.log('LISTENING ' + port);
});
process.stdin.resume();
process.stdin.on('end', () => server.tryShutdown(() => process.exit(0)));
process.stdin.on('close', () => process.exit(0));
