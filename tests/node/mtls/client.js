// A grpc-js client with its own workload certificate, an independent mTLS peer of the sidecar: it checks the server by
// its SPIFFE ID (SPIFFE servers carry no DNS name, so checkServerIdentity replaces the host-name check), calls
// users.v1.UserService/GetUser once, and prints what it saw as one JSON object on stdout. The C# tests assert.
// Usage: node mtls/client.js <host:port> <ca.pem> <cert.pem|-> <key.pem|-> <expected server SPIFFE ID> <user id>
'use strict';
const fs = require('fs');
const { grpc, load } = require('../interop/protos');

const [address, caFile, certFile, keyFile, expectedId, userId] = process.argv.slice(2);
const { proto } = load();
const seen = { serverIds: [] };

// The peer certificate's URI SANs ("URI:spiffe://...") as Node reports them in subjectaltname.
function spiffeIds(certificate) {
  return String(certificate.subjectaltname || '').split(', ')
    .filter((name) => name.startsWith('URI:spiffe://')).map((name) => name.slice('URI:'.length));
}

const credentials = grpc.credentials.createSsl(
  fs.readFileSync(caFile),
  keyFile === '-' ? null : fs.readFileSync(keyFile),
  certFile === '-' ? null : fs.readFileSync(certFile),
  {
    checkServerIdentity: (_host, certificate) => {
      const ids = spiffeIds(certificate);
      seen.serverIds = ids;
      if (ids.length !== 1 || ids[0] !== expectedId) {
        return new Error(`server SPIFFE ID ${JSON.stringify(ids)}, expected ${expectedId}`);
      }
      return undefined;
    },
  });

const users = new proto.users.v1.UserService(address, credentials);
users.GetUser({ user_id: userId }, { deadline: Date.now() + 20000 }, (error, response) => {
  seen.code = error ? error.code : 0;
  seen.details = error ? error.details : '';
  seen.response = response || null;
  process.stdout.write(JSON.stringify(seen) + '\n');
  users.close();
});
