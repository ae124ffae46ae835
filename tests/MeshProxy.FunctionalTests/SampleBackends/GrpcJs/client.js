// A @grpc/grpc-js client that calls every method of the sample backends (13, all four call kinds) the way a real user's
// service would, and prints what it saw as one JSON object. Usage: NODE_PATH=tests/node/node_modules node client.js <host:port>
// (MESHPROXY_PROTO_PATH, set by the tests, is the proto include path).
'use strict';
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const path = require('path');

const [address] = process.argv.slice(2);
const definition = loader.loadSync(['users/v1/users.proto', 'inventory/v1/inventory.proto', 'payments/v1/payments.proto'], {
  includeDirs: process.env.MESHPROXY_PROTO_PATH.split(path.delimiter), keepCase: true, longs: String, enums: String, oneofs: true,
});
const proto = grpc.loadPackageDefinition(definition);
const credentials = grpc.credentials.createInsecure();
const users = new proto.users.v1.UserService(address, credentials);
const inventory = new proto.inventory.v1.InventoryService(address, credentials);
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
  result.createUser = await unary(users, 'CreateUser', { user: { email: 'js-new@example.com', display_name: 'Created by grpc-js', plan: 'PLAN_FREE' } });
  const created = result.createUser.response ? result.createUser.response.user_id : 'u-none';
  result.deleteUser = await unary(users, 'DeleteUser', { user_id: created });
  result.deletedLookup = await unary(users, 'GetUser', { user_id: created });
  result.listUsers = await collect(users.ListUsers({ plan: 'PLAN_PRO' }), (u) => u.user_id);

  const sync = users.SyncUsers();
  const synced = collect(sync, (r) => ({ user_id: r.user_id, deleted: !!r.deleted }));
  sync.write({ upsert: { user_id: 'u-js', email: 'js@example.com' } });
  sync.write({ delete_user_id: 'u-1005' });
  sync.end();
  result.syncUsers = await synced;

  const chat = payments.PaymentChat();
  const answers = collect(chat, (m) => ({ session_id: m.session_id, sender: m.sender, text: m.text }));
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

  result.checkStock = await unary(inventory, 'CheckStock', { sku: 'sku-apple' });
  result.reserveStock = await unary(inventory, 'ReserveStock', { sku: 'sku-banana', quantity: 2, order_id: 'o-js' });

  // A watch of one SKU: its current level, then the change a reservation made while the stream was open.
  const updates = inventory.StreamInventoryUpdates({ skus: ['sku-cherry'], max_updates: 1 });
  let reserved = null;
  result.inventoryUpdates = await new Promise((resolve) => {
    const items = [];
    updates.on('data', (level) => {
      // proto3 leaves zero values off the wire, and proto-loader leaves them out of the object.
      items.push({ sku: level.sku, available: level.available || 0, reserved: level.reserved || 0 });
      if (items.length === 1) {
        reserved = unary(inventory, 'ReserveStock', { sku: 'sku-cherry', quantity: 1, order_id: 'o-js-watch' });
      }
    });
    updates.on('error', (err) => resolve({ code: err.code, details: err.details, items }));
    updates.on('status', (status) => { if (status.code === 0) resolve({ code: 0, items }); });
  });
  result.watchReservation = reserved ? await reserved : null;

  result.chargeCard = await unary(payments, 'ChargeCard', {
    idempotency_key: 'js-charge', account_id: 'acct-1002', amount: { currency_code: 'USD', units: 5 }, card_token: 'tok_visa',
  });
  result.transactions = await collect(payments.StreamTransactions({ account_id: 'acct-1001', limit: 2 }), (t) => t.description);

  process.stdout.write(JSON.stringify(result));
  users.close();
  inventory.close();
  payments.close();
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack || err));
  process.exit(1);
});
