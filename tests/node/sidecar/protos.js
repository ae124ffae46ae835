// Loads the sample services from protos/ with @grpc/proto-loader (shared by backend.js and client.js).
'use strict';
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const includeDirs = require('../protoPath');
const files = ['users/v1/users.proto', 'inventory/v1/inventory.proto', 'payments/v1/payments.proto'];

// extra: more proto files under protos/ (client.js adds grpc/health/v1/health.proto for health probes).
function load(extra = []) {
  const definition = protoLoader.loadSync(files.concat(extra), {
    includeDirs,
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const services = [];
  for (const [name, value] of Object.entries(definition)) {
    if (value && typeof value === 'object' && !value.format && Object.values(value).every(m => m && m.path)) {
      services.push({ name, definition: value });
    }
  }
  return { grpc, definition, services };
}

module.exports = { load };
