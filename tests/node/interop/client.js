// A grpc-js client that calls a server with the behaviours of TestService.cs and reports what it observed as one
// JSON object on stdout, keyed by scenario. The C# tests make the assertions.
// Usage: node interop/client.js <host:port> <testId> [no-health]
// "no-health" leaves out the grpc.health.v1 scenarios (a sidecar answers health itself rather than forwarding it).
'use strict';
const { grpc, load } = require('./protos');

const [address, testId, option] = process.argv.slice(2);
const { definition, proto } = load();
const insecure = grpc.credentials.createInsecure();
const users = new proto.users.v1.UserService(address, insecure);
const gzipUsers = new proto.users.v1.UserService(address, insecure, { 'grpc.default_compression_algorithm': 2, 'grpc.use_local_subchannel_pool': 1 });
const payments = new proto.payments.v1.PaymentService(address, insecure);
const health = new proto.grpc.health.v1.Health(address, insecure);

function mapOf(metadata) {
  const out = {};
  if (!metadata) return out;
  for (const [key, value] of Object.entries(metadata.getMap())) {
    out[key] = Buffer.isBuffer(value) ? 'base64:' + value.toString('base64') : String(value);
  }
  return out;
}

// Runs a unary call and resolves with everything the client saw.
function unary(client, method, request, metadata, options, onCall) {
  return new Promise((resolve) => {
    const seen = { headers: null };
    const call = client[method](request, metadata || new grpc.Metadata(), options || {}, (error, response) => {
      seen.response = response || null;
      seen.code = error ? error.code : 0;
      seen.details = error ? error.details : '';
    });
    call.on('metadata', (md) => { seen.headers = mapOf(md); if (onCall) onCall(call); });
    call.on('status', (status) => {
      seen.trailers = mapOf(status.metadata);
      // The callback and the status event both fire; the status comes last.
      setImmediate(() => resolve(seen));
    });
  });
}

function serverStream(client, method, request) {
  return new Promise((resolve) => {
    const seen = { messages: [] };
    const call = client[method](request);
    call.on('data', (m) => seen.messages.push(m));
    call.on('error', () => {});
    call.on('status', (status) => { seen.code = status.code; seen.details = status.details; setImmediate(() => resolve(seen)); });
  });
}

async function main() {
  const results = {};
  results.unary = await unary(users, 'GetUser', { user_id: '42' });

  const md = new grpc.Metadata();
  md.add('x-custom', 'value-1');
  md.add('x-custom-bin', Buffer.from([0, 1, 254, 255]));
  results.metadata = await unary(users, 'GetUser', { user_id: 'echo-metadata' }, md);

  results.errorDetails = await unary(users, 'GetUser', { user_id: 'error-details' });
  results.statusCodes = [];
  for (let code = 1; code <= 16; code++) {
    const seen = await unary(users, 'GetUser', { user_id: 'status:' + code });
    results.statusCodes.push({ code: seen.code, details: seen.details });
  }
  results.handlerThrows = await unary(users, 'GetUser', { user_id: 'throw' });

  results.unimplemented = await new Promise((resolve) => {
    const m = definition['users.v1.UserService'].GetUser;
    users.makeUnaryRequest('/users.v1.UserService/NoSuchMethod', m.requestSerialize, m.responseDeserialize, { user_id: 'x' },
      (error) => resolve({ code: error ? error.code : 0, details: error ? error.details : '' }));
  });

  results.deadlineInfo = await unary(users, 'GetUser', { user_id: 'deadline-info' }, null, { deadline: Date.now() + 20000 });
  const deadlineMd = new grpc.Metadata();
  deadlineMd.add('x-test-id', testId + '-deadline');
  results.deadlineExceeded = await unary(users, 'GetUser', { user_id: 'wait-for-cancel' }, deadlineMd, { deadline: Date.now() + 300 });

  const cancelMd = new grpc.Metadata();
  cancelMd.add('x-test-id', testId + '-cancel');
  // Cancel once the first message has arrived, so the handler is surely running. (Not on the response headers: a
  // proxy may hold headers that come without a message until the first message or the status.)
  results.cancelled = await new Promise((resolve) => {
    const seen = { messages: 0 };
    const call = users.ListUsers({ page_size: 1, plan: 'PLAN_PRO' }, cancelMd);
    call.on('data', () => { seen.messages++; call.cancel(); });
    call.on('error', () => {});
    call.on('status', (status) => { seen.code = status.code; setImmediate(() => resolve(seen)); });
  });

  const big = 'z'.repeat(100000);
  results.gzip = await unary(gzipUsers, 'CreateUser', { user: { user_id: 'c', display_name: big, labels: { compress: 'gzip' } } });
  results.gzip.responseLength = results.gzip.response ? results.gzip.response.display_name.length : -1;
  delete results.gzip.response;

  results.tooBig = await unary(users, 'CreateUser', { user: { user_id: 'big', display_name: 'x'.repeat(4 * 1024 * 1024 + 10) } });
  delete results.tooBig.response;

  // 3 MiB of random text, under the 4 MiB default limit: many HTTP/2 DATA frames and flow-control windows both ways,
  // and it stays large even where the server compresses its answer.
  const largeText = require('crypto').randomBytes(3 * 1024 * 1024 / 4 * 3).toString('base64');
  results.large = await unary(users, 'CreateUser', { user: { user_id: 'large', display_name: largeText } });
  results.large.responseLength = results.large.response ? results.large.response.display_name.length : -1;
  results.large.echoed = results.large.response ? results.large.response.display_name === largeText : false;
  delete results.large.response;

  results.serverStreaming = await serverStream(users, 'ListUsers', { page_size: 5 });
  results.serverStreamingError = await serverStream(users, 'ListUsers', { page_size: 2, plan: 'PLAN_ENTERPRISE' });

  results.clientStreaming = await new Promise((resolve) => {
    const call = payments.BatchCharge((error, summary) => resolve({ code: error ? error.code : 0, response: summary || null }));
    for (let i = 0; i < 3; i++) call.write({ idempotency_key: 'k' + i, amount: { units: 10 } });
    call.end();
  });

  results.duplex = await new Promise((resolve) => {
    const seen = { messages: [] };
    const call = users.SyncUsers();
    let i = 0;
    // Each request is written only after the previous answer arrived: proves the server streams per message.
    const next = () => {
      if (i < 3) { call.write({ upsert: { user_id: 'd' + i } }); i++; }
      else if (i === 3) { call.write({ delete_user_id: 'd0' }); call.end(); i++; }
    };
    call.on('data', (m) => { seen.messages.push(m); next(); });
    call.on('error', () => {});
    call.on('status', (status) => { seen.code = status.code; setImmediate(() => resolve(seen)); });
    next();
  });

  if (option === 'no-health') {
    process.stdout.write(JSON.stringify(results));
    process.exit(0);
  }

  results.healthServing = await unary(health, 'Check', { service: '' });
  results.healthUnknown = await unary(health, 'Check', { service: 'no-such-service' });
  results.healthWatchUnknown = await new Promise((resolve) => {
    const call = health.Watch({ service: 'no-such-service' });
    call.on('data', (m) => { resolve({ status: m.status }); call.cancel(); });
    call.on('error', () => {});
  });

  process.stdout.write(JSON.stringify(results));
  process.exit(0);
}

main().catch((error) => { console.error(error); process.exit(1); });
