// Loads the sample protos for the interop peers. Run from tests/node.
'use strict';
const grpc = require('@grpc/grpc-js');
const loader = require('@grpc/proto-loader');

const includeDirs = require('../protoPath');

function load() {
  const definition = loader.loadSync(
    ['users/v1/users.proto', 'payments/v1/payments.proto', 'grpc/health/v1/health.proto'],
    { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true, includeDirs });
  return { definition, proto: grpc.loadPackageDefinition(definition) };
}

// Hand-encodes google.rpc.Status { code, message, details: [Any(google.rpc.DebugInfo { detail })] }:
// the peers need no extra proto runtime for this one message.
function varint(n) {
  const bytes = [];
  while (n > 0x7f) { bytes.push((n & 0x7f) | 0x80); n >>>= 7; }
  bytes.push(n);
  return Buffer.from(bytes);
}
function field(number, wireType, payload) {
  const key = varint((number << 3) | wireType);
  if (wireType === 0) return Buffer.concat([key, varint(payload)]);
  const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
  return Buffer.concat([key, varint(bytes.length), bytes]);
}
function rpcStatusWithDebugInfo(code, message, detail) {
  const debugInfo = field(2, 2, detail);
  const any = Buffer.concat([field(1, 2, 'type.googleapis.com/google.rpc.DebugInfo'), field(2, 2, debugInfo)]);
  return Buffer.concat([field(1, 0, code), field(2, 2, message), field(3, 2, any)]);
}

module.exports = { grpc, load, rpcStatusWithDebugInfo };
