// A @grpc/grpc-js client that calls a sample backend the way a real user's service would, and prints what it saw
// as one JSON object. Usage: NODE_PATH=tests/node/node_modules node client.js <host:port>
// (MESHPROXY_PROTO_PATH, set by the tests, is the proto include path).
'use strict';
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const path = require('path');

const [address] = process.argv.slice(2);
const definition = loader.loadSync(['users/v1/users.proto', 'payments/v1/payments.proto'], {
  includeDirs: process.env.MESHPROXY_PROTO_PATH.split(path.delimiter), keepCase: true, longs: String, enums: String, oneofs: true,
});
const proto = grpc.loadPackageDefinition(definition);
const credentials = grpc.credentials.createInsecure();
const users = new proto.users.v1.UserService(address, credentials);
const payments = new proto.payments.v1.PaymentService(address, credentials);

function unary(client, method, request) {
  return new Promise((resolve) => {
    let version = null;
    const call = client[method](request, (err, response) => {
      if (err) {
        resolve({ code: err.code, details: err.details, version: err.metadata.get('x-backend-version')[0] || null });
      } else {
        resolve({ code: 0, response, version });
      }
    });
    call.on('metadata', (metadata) => { version = metadata.get('x-backend-version')[0] || null; });
  });
}

function collect(call, pick) {
  return new Promise((resolve) => {
    const items = [];
    call.on('data', (message) => items.push(pick(message)));
    call.on('error', (err) => resolve({ code: err.code, details: err.details, items }));
    call.on('status', (status) => { if (status.code === 0) resolve({ code: 0, items }); });
  });
}

async function main() {
  const result = {};
  result.getUser = await unary(users, 'GetUser', { user_id: 'u-1001' });
  result.notFound = await unary(users, 'GetUser', { user_id: 'u-missing' });
  result.updateUser = await unary(users, 'UpdateUser', {
    user: { user_id: 'u-1003', display_name: 'From grpc-js', email: 'ignored@example.com' },
    update_mask: { paths: ['display_name'] },
  });
  result.listUsers = await collect(users.ListUsers({ plan: 'PLAN_PRO' }), (u) => u.user_id);

  const sync = users.SyncUsers();
  const synced = collect(sync, (r) => ({ user_id: r.user_id, deleted: !!r.deleted }));
  sync.write({ upsert: { user_id: 'u-js', email: 'js@example.com' } });
  sync.write({ delete_user_id: 'u-1005' });
  sync.end();
  result.syncUsers = await synced;

  const chat = payments.PaymentChat();
  const answers = collect(chat, (m) => ({ session_id: m.session_id, sender: m.sender }));
  chat.write({ session_id: 's-js', text: 'hello' });
  chat.write({ session_id: 's-js', text: 'refund please' });
  chat.end();
  result.chat = await answers;

  result.batch = await new Promise((resolve) => {
    const call = payments.BatchCharge((err, summary) => resolve(err ? { code: err.code } : { code: 0, summary }));
    call.write({ idempotency_key: 'js-1', account_id: 'acct-1003', amount: { currency_code: 'EUR', units: 2 }, card_token: 'tok_visa' });
    call.write({ idempotency_key: 'js-2', account_id: 'acct-1003', amount: { currency_code: 'EUR', units: 3 }, card_token: 'tok_declined' });
    call.end();
  });

  process.stdout.write(JSON.stringify(result));
  users.close();
  payments.close();
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack || err));
  process.exit(1);
});
